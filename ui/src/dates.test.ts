import { describe, expect, it } from "vitest";
import { germanToIso, isoToGerman } from "./dates";

describe("German dates", () => {
  it("round-trips", () => {
    expect(isoToGerman("2026-12-31")).toBe("31.12.2026");
    expect(germanToIso("31.12.2026")).toBe("2026-12-31");
    expect(germanToIso(" 1.2.27 ")).toBe("2027-02-01");
  });

  it("refuses what is not a calendar date", () => {
    for (const text of ["31.02.2027", "2026-12-31", "12/31/2026", "", "00.01.2027", "1.13.2027"]) {
      expect(germanToIso(text)).toBeNull();
    }
  });
});
