import { describe, expect, it } from "vitest";
import { grayToRgba, parsePreview } from "./camera";

function frame(width: number, height: number, fill: number): ArrayBuffer {
  const bytes = new Uint8Array(4 + width * height).fill(fill);
  new DataView(bytes.buffer).setUint16(0, width, true);
  new DataView(bytes.buffer).setUint16(2, height, true);
  return bytes.buffer;
}

describe("camera preview", () => {
  it("reads the header and expands grey to opaque RGBA", () => {
    const preview = parsePreview(frame(3, 2, 77))!;
    expect([preview.width, preview.height, preview.gray.length]).toEqual([3, 2, 6]);
    const rgba = new Uint8ClampedArray(24);
    grayToRgba(preview.gray, rgba);
    expect(Array.from(rgba.slice(0, 8))).toEqual([77, 77, 77, 255, 77, 77, 77, 255]);
  });

  it("ignores frames whose size does not match the header", () => {
    expect(parsePreview(frame(3, 2, 0).slice(0, 8))).toBeNull();
    expect(parsePreview(new ArrayBuffer(2))).toBeNull();
  });
});
