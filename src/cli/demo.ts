// Placeholder demo (replaced by the full demo below once models land).
export async function run(_args: string[]): Promise<void> {
  console.log('demo: not implemented yet');
}
