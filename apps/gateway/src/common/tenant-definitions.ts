import { ConflictException, NotFoundException } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import type { z } from 'zod';
import { listKeys } from '@aether/kv-state';

/**
 * A tenant's definitions kept in a KV bucket under `<tenant>.<id>` (schedules, mail triggers):
 * listed, read, created once, changed with a compare-and-set, removed. A value the schema refuses
 * reads as absent.
 */
export class TenantDefinitions<T> {
  constructor(
    private readonly bucket: () => Promise<KV>,
    private readonly schema: z.ZodType<T>,
    /** What one is called in a 404 or 409: `schedule`, `mail trigger`. */
    private readonly noun: string,
  ) {}

  async list(tenantId: string): Promise<T[]> {
    const kv = await this.bucket();
    const found: T[] = [];
    for (const name of await listKeys(kv, `${tenantId}.*`)) {
      const definition = await this.read(kv, name);
      if (definition) found.push(definition);
    }
    return found;
  }

  async get(tenantId: string, id: string): Promise<T | undefined> {
    return this.read(await this.bucket(), key(tenantId, id));
  }

  /** @throws ConflictException when one with this id exists. */
  async create(tenantId: string, id: string, definition: T): Promise<void> {
    try {
      await (await this.bucket()).create(key(tenantId, id), JSON.stringify(definition));
    } catch (error) {
      if (/wrong last sequence|key exists/i.test(String(error)))
        throw new ConflictException(`${this.noun} ${id} already exists`);
      throw error;
    }
  }

  /** Applies `change` to the stored value, again if another writer came first. @throws NotFoundException */
  async update(tenantId: string, id: string, change: (current: T) => T): Promise<T> {
    const kv = await this.bucket();
    const name = key(tenantId, id);
    for (let tries = 1; ; tries++) {
      const entry = await kv.get(name);
      const current = entry?.operation === 'PUT' ? this.schema.safeParse(entry.json()).data : undefined;
      if (!entry || !current) throw this.notFound(id);
      const next = change(current);
      try {
        await kv.update(name, JSON.stringify(next), entry.revision);
        return next;
      } catch (error) {
        if (tries >= 5 || !/wrong last sequence/i.test(String(error))) throw error;
      }
    }
  }

  /** @throws NotFoundException */
  async remove(tenantId: string, id: string): Promise<void> {
    const kv = await this.bucket();
    const name = key(tenantId, id);
    if (!(await this.read(kv, name))) throw this.notFound(id);
    await kv.delete(name);
  }

  notFound(id: string): NotFoundException {
    return new NotFoundException(`${this.noun} ${id} not found`);
  }

  private async read(kv: KV, name: string): Promise<T | undefined> {
    const entry = await kv.get(name);
    return entry?.operation === 'PUT' ? this.schema.safeParse(entry.json()).data : undefined;
  }
}

function key(tenantId: string, id: string): string {
  return `${tenantId}.${id}`;
}
