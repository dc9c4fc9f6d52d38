/** The text of docs/api.md and the exports that have no doc comment ('file: name'). */
export function apiMarkdown(): { text: string; undocumented: string[] };
