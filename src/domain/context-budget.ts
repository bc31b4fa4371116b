/**
 * How an assembled context spends its token budget (issue 15 item 4). Pure: the service supplies
 * the counts. The persona prompt and tool definitions are always included; plugins then follow in
 * priority order, each in full if it fits what is left, else as its summary, else omitted.
 */
export type Inclusion = "full" | "summary" | "omitted";

export interface PluginCost {
  full: number;
  summary: number;
}

export interface BudgetPlan {
  /** Per plugin, in the given order. */
  choices: Array<{ included: Inclusion; tokens: number }>;
  total: number;
}

/**
 * @param fixed tokens of the parts always included (persona prompt, tool definitions)
 * @param separator tokens each join between two prompt parts costs
 * @returns null when even the fixed parts exceed the budget
 */
export function planBudget(budget: number, fixed: number, separator: number, plugins: PluginCost[]): BudgetPlan | null {
  if (fixed > budget) return null;
  let used = fixed;
  const choices = plugins.map((cost) => {
    for (const [included, tokens] of [["full", cost.full], ["summary", cost.summary]] as const) {
      if (used + separator + tokens <= budget) {
        used += separator + tokens;
        return { included, tokens };
      }
    }
    return { included: "omitted" as const, tokens: 0 };
  });
  return { choices, total: used };
}
