import { hashSecret, verifySecret } from './passwords';

describe('password hashes', () => {
  it('verifies the secret it hashed and nothing else, with a fresh salt each time', async () => {
    const first = await hashSecret('correct horse');
    const second = await hashSecret('correct horse');
    expect(first).not.toBe(second);
    expect(first).not.toContain('correct horse');
    await expect(verifySecret('correct horse', first)).resolves.toBe(true);
    await expect(verifySecret('correct horse!', first)).resolves.toBe(false);
    await expect(verifySecret('correct horse', 'plain-text')).resolves.toBe(false);
  });
});
