export type ImageFormat = 'png' | 'jpeg' | 'bmp' | 'tiff' | 'webp' | 'gif';

const SIGNATURES: readonly (readonly [ImageFormat, readonly number[], number?])[] = [
  ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['jpeg', [0xff, 0xd8, 0xff]],
  ['bmp', [0x42, 0x4d]],
  ['tiff', [0x49, 0x49, 0x2a, 0x00]],
  ['tiff', [0x4d, 0x4d, 0x00, 0x2a]],
  ['gif', [0x47, 0x49, 0x46, 0x38]],
  ['webp', [0x57, 0x45, 0x42, 0x50], 8],
];

/** The image format its first bytes announce, or `undefined` when they announce none OCR reads. */
export function imageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const match = SIGNATURES.find(([, signature, offset = 0]) =>
    signature.every((byte, i) => bytes[offset + i] === byte),
  );
  return match?.[0];
}
