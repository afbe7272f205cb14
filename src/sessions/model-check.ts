/**
 * A call's `model` and `effort` against the models Codex lists (`model/list`), before a turn
 * starts: an effort the model does not take is refused with the ones it does, instead of a turn
 * that fails later. A model missing from the list is only a warning: a custom provider (a local
 * server, a gateway) can serve models Codex's own list does not name.
 *
 * @module
 */
import type { ModelInfo } from "../codex/listings.ts";
import { SessionError } from "./errors.ts";

/** Warnings for the answer; throws INVALID_ARGUMENT for an effort the model does not take. */
export function checkModelChoice(
  models: readonly ModelInfo[] | null,
  choice: { model?: string; effort?: string; sessionModel?: string },
): string[] {
  if (!models || models.length === 0 || (choice.model === undefined && choice.effort === undefined)) return [];
  const warnings: string[] = [];
  const name = choice.model ?? choice.sessionModel;
  const known = name === undefined ? models.find((m) => m.isDefault) : models.find((m) => m.id === name);
  if (choice.model !== undefined && !known) {
    warnings.push(
      `model ${JSON.stringify(choice.model)} is not in Codex's model list (${
        models.map((m) => m.id).join(", ")
      }); it is passed on, for a custom provider may serve it. See codex-mcp:///models.`,
    );
  }
  if (choice.effort !== undefined && known && known.efforts.length > 0 && !known.efforts.includes(choice.effort)) {
    throw new SessionError(
      "INVALID_ARGUMENT",
      `model ${known.id} takes effort ${known.efforts.join(", ")}, not ${JSON.stringify(choice.effort)}`,
      `Pass one of ${known.efforts.join(", ")} (its default is ${known.defaultEffort}), or leave effort out.`,
    );
  }
  return warnings;
}
