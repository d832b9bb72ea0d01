import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { keyId, verifyAuditExport } from '../audit/audit-chain';

/** `aether audit verify|keygen`: checks an export made by `aether tail --export`. */
export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('signed audit exports (aether tail --export)');
  audit
    .command('verify <file>')
    .description(
      'check an export’s hash chain and signature; name the first record altered, removed or moved',
    )
    .option(
      '--public-key <file>',
      'the signing key’s public half (PEM)',
      process.env['AETHER_AUDIT_PUBLIC_KEY'],
    )
    .action((file: string, options: { publicKey?: string }) => {
      if (!options.publicKey) throw new Error('verify needs --public-key FILE or AETHER_AUDIT_PUBLIC_KEY');
      const verdict = verifyAuditExport(
        readFileSync(file, 'utf8'),
        createPublicKey(readFileSync(options.publicKey)),
      );
      if (verdict.ok) {
        process.stdout.write(`ok: ${verdict.records} records, chain intact, signed by ${verdict.keyId}\n`);
        return;
      }
      process.stdout.write(`TAMPERED: line ${verdict.line}: ${verdict.problem}\n`);
      process.exitCode = 2;
    });
  audit
    .command('keygen')
    .description('make an Ed25519 signing key pair for exports')
    .option('--out <dir>', 'folder for audit-signing.pem (private, 0600) and audit-signing.pub.pem', '.')
    .action((options: { out: string }) => {
      mkdirSync(options.out, { recursive: true });
      const privateFile = join(options.out, 'audit-signing.pem');
      if (existsSync(privateFile)) throw new Error(`${privateFile} exists: not overwriting a signing key`);
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      writeFileSync(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      writeFileSync(
        join(options.out, 'audit-signing.pub.pem'),
        publicKey.export({ type: 'spki', format: 'pem' }),
      );
      process.stdout.write(`${keyId(createPublicKey(privateKey))}\n`);
    });
}
