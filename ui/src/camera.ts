/** The webcam preview: grey frames from the desk, drawn on a canvas so the clerk can aim the paper. */

export interface Preview {
  width: number;
  height: number;
  gray: Uint8Array;
}

/** `width` and `height` as little-endian u16, then one grey byte per pixel (see `scan_camera`). */
export function parsePreview(buffer: ArrayBuffer): Preview | null {
  if (buffer.byteLength < 4) return null;
  const header = new DataView(buffer, 0, 4);
  const width = header.getUint16(0, true);
  const height = header.getUint16(2, true);
  const gray = new Uint8Array(buffer, 4);
  if (width === 0 || height === 0 || gray.length !== width * height) return null;
  return { width, height, gray };
}

export function grayToRgba(gray: Uint8Array, rgba: Uint8ClampedArray): void {
  for (let i = 0, j = 0; i < gray.length; i += 1, j += 4) {
    const v = gray[i];
    rgba[j] = v;
    rgba[j + 1] = v;
    rgba[j + 2] = v;
    rgba[j + 3] = 255;
  }
}

export function drawPreview(canvas: HTMLCanvasElement, buffer: ArrayBuffer): void {
  const preview = parsePreview(buffer);
  const context = canvas.getContext("2d");
  if (!preview || !context) return;
  if (canvas.width !== preview.width || canvas.height !== preview.height) {
    canvas.width = preview.width;
    canvas.height = preview.height;
  }
  const image = context.createImageData(preview.width, preview.height);
  grayToRgba(preview.gray, image.data);
  context.putImageData(image, 0, 0);
  canvas.dataset.frames = String(Number(canvas.dataset.frames ?? "0") + 1);
}
