import type { Server } from 'node:http';
export const CHROMIUM: string;
export const CHROMIUM_FLAGS: string[];
export const WEBGPU_ON: string[];
export const WEBGPU_OFF: string[];
export function serveStatic(dir: string, mounts?: Record<string, string>): Promise<{ server: Server; url: string }>;
