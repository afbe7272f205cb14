/**
 * Tool schemas built when first needed and then shared. Building the zod schemas of every tool was
 * the largest part of setting up a server instance (about 6 ms of a 40 ms cold start, before
 * `initialize` could be answered), and an instance is set up per stdio connection and per
 * 2026-era HTTP request. The SDK needs only a Standard Schema with JSON Schema (`~standard`), so a
 * tool is registered with {@link deferred}, which builds its zod schema on the first validation or
 * listing; {@link once} builds it once per process, or {@link perConfig} once per configuration for
 * the schemas that describe the server's own limits; and each JSON Schema is converted once, not on every `tools/list`
 * (and, in the compiled binary, kept for the next start: schema-cache.ts).
 *
 * @module
 */
import type { StandardSchemaWithJSON } from "@modelcontextprotocol/server";
import type * as z from "zod";
import type { Config } from "../../config.ts";
import type { SchemaCache } from "./schema-cache.ts";

type JsonSchemaOptions = Parameters<StandardSchemaWithJSON["~standard"]["jsonSchema"]["input"]>[0];

/** `build`, run on the first call only. */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

/** `build`, run once per configuration and remembered for as long as that configuration lives. */
export function perConfig<T>(build: (config: Config) => T): (config: Config) => T {
  const built = new WeakMap<Config, T>();
  return (config) => {
    if (!built.has(config)) built.set(config, build(config));
    return built.get(config)!;
  };
}

const converted = new WeakMap<z.ZodType, Map<string, Record<string, unknown>>>();

/** `schema`'s JSON Schema for one direction and target, converted once. Callers copy, never change it. */
function jsonSchemaOf(schema: z.ZodType, io: "input" | "output", options: JsonSchemaOptions): Record<string, unknown> {
  let byTarget = converted.get(schema);
  if (!byTarget) converted.set(schema, byTarget = new Map());
  const key = `${io} ${options.target}`;
  let json = byTarget.get(key);
  if (!json) byTarget.set(key, json = schema["~standard"].jsonSchema[io](options));
  return json;
}

/**
 * A schema for `registerTool` whose zod schema `get` gives only when the SDK first uses it
 * (validating a call, listing the tool). Typed as that zod schema, so handlers see its output.
 * With a `cache`, its JSON Schema comes from the last start's when that is known (the zod schema
 * is then not built to list it), and is kept there once converted; `name` (the tool and which of
 * its schemas) is its name there.
 */
export function deferred<T extends z.ZodType>(
  name: string,
  get: () => T,
  cache?: SchemaCache,
): StandardSchemaWithJSON<z.input<T>, z.output<T>> {
  const json = (io: "input" | "output", options: JsonSchemaOptions) => {
    const key = `${name} ${io} ${options.target}`;
    const kept = cache?.get(key);
    if (kept) return kept;
    const converted = jsonSchemaOf(get(), io, options);
    cache?.put(key, converted);
    return converted;
  };
  return {
    "~standard": {
      version: 1,
      vendor: "zod",
      validate: (value) => get()["~standard"].validate(value),
      jsonSchema: { input: (options) => json("input", options), output: (options) => json("output", options) },
    },
  } as StandardSchemaWithJSON<z.input<T>, z.output<T>>;
}
