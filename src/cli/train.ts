// Placeholder: this command is being built.
export async function run(_args: string[]): Promise<void> {
  throw new Error("'train' is not implemented yet");
}
