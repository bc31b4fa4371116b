import { describe, expect, it } from "vitest";
import { transitionRefusal, VERSION_STATUSES } from "../../src/domain/version-status";

// design.md §44: a background job (the rescan) acts as `system`, and the status service lets it
// set `quarantined` only, from a status that is not already a takedown.
describe("status transitions requested by a background job (system)", () => {
  it("may quarantine an active, deprecated or yanked version", () => {
    for (const from of ["active", "deprecated", "yanked"] as const) expect(transitionRefusal("system", from, "quarantined")).toBeNull();
  });

  it("may set nothing but quarantined (403 admin_required)", () => {
    for (const to of VERSION_STATUSES.filter((s) => s !== "quarantined")) {
      for (const from of ["active", "deprecated", "yanked"] as const) {
        if (from === to) continue;
        expect(transitionRefusal("system", from, to)).toMatchObject({ status: 403, code: "admin_required" });
      }
    }
  });

  it("cannot quarantine again, nor touch a revoked version (409 invalid_transition)", () => {
    expect(transitionRefusal("system", "quarantined", "quarantined")).toMatchObject({ status: 409, code: "invalid_transition" });
    expect(transitionRefusal("system", "revoked", "quarantined")).toMatchObject({ status: 409, code: "invalid_transition" });
  });
});
