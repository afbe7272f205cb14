/** A call's model and effort against Codex's model list (src/sessions/model-check.ts). */
import { describe, expect, test } from "bun:test";
import { checkModelChoice } from "../../src/sessions/model-check.ts";

const models = [
  { id: "gpt-6", displayName: "GPT-6", isDefault: true, defaultEffort: "low", efforts: ["low", "medium", "max"] },
  { id: "gpt-5.5", displayName: "GPT-5.5", isDefault: false, defaultEffort: "medium", efforts: ["low", "high"] },
];

describe("model and effort against the list", () => {
  test("an effort the model does not take is refused, naming the ones it does", () => {
    expect(() => checkModelChoice(models, { model: "gpt-5.5", effort: "max" })).toThrow(
      'model gpt-5.5 takes effort low, high, not "max"',
    );
    // Without a model: the session's model, else Codex's default.
    expect(() => checkModelChoice(models, { effort: "high" })).toThrow("model gpt-6 takes effort low, medium, max");
    expect(() => checkModelChoice(models, { effort: "max", sessionModel: "gpt-5.5" })).toThrow(/gpt-5\.5/);
    expect(checkModelChoice(models, { effort: "max" })).toEqual([]);
  });

  test("a model missing from the list is a warning, not a refusal; no list checks nothing", () => {
    const warnings = checkModelChoice(models, { model: "llama-local", effort: "ultra" });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('model "llama-local" is not in Codex\'s model list (gpt-6, gpt-5.5)');
    expect(checkModelChoice(null, { model: "x", effort: "y" })).toEqual([]);
    expect(checkModelChoice([], { model: "x" })).toEqual([]);
  });
});
