// Placeholder: this command is being built.
export async function run(_args: string[]): Promise<void> {
  throw new Error("'experiment' is not implemented yet");
}
