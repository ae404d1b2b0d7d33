// Types of cjs_facade_hooks.mjs (plain JavaScript: it runs on Node's loader thread).
export interface CjsFacadeEntry {
  readonly path: string;
  readonly names: readonly string[];
}
export function initialize(data: { facades?: Readonly<Record<string, CjsFacadeEntry>> } | undefined): void;
export function resolve(specifier: string, context: unknown, nextResolve: (specifier: string, context: unknown) => Promise<{ url: string }>): Promise<{ url: string; format?: string; shortCircuit?: boolean }>;
export function load(url: string, context: unknown, nextLoad: (url: string, context: unknown) => unknown): unknown;
