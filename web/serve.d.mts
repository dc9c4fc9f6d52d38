import type { Server } from 'node:http';
export const CHROMIUM: string;
export const CHROMIUM_FLAGS: string[];
export const WEBGPU_ON: string[];
export const WEBGPU_OFF: string[];
export function serveStatic(dir: string, mounts?: Record<string, string>): Promise<{ server: Server; url: string }>;
export function fillForm(
  page: { fill(sel: string, v: string): Promise<void> },
  fields: Record<string, string | number>,
): Promise<void>;
