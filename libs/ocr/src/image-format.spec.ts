import { imageFormat } from './image-format';

describe('imageFormat', () => {
  it.each([
    ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]],
    ['jpeg', [0xff, 0xd8, 0xff, 0xe0]],
    ['bmp', [0x42, 0x4d, 0, 0]],
    ['tiff', [0x49, 0x49, 0x2a, 0x00]],
    ['tiff', [0x4d, 0x4d, 0x00, 0x2a]],
    ['gif', [...Buffer.from('GIF89a')]],
    ['webp', [...Buffer.from('RIFF\0\0\0\0WEBPVP8 ')]],
  ])('knows %s by its signature', (format, bytes) => {
    expect(imageFormat(Uint8Array.from(bytes))).toBe(format);
  });

  it('knows nothing else, nor a truncated signature', () => {
    expect(imageFormat(Buffer.from('%PDF-1.7'))).toBeUndefined();
    expect(imageFormat(Uint8Array.from([0x89, 0x50, 0x4e]))).toBeUndefined();
    expect(imageFormat(new Uint8Array())).toBeUndefined();
  });
});
