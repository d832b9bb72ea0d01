import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';

/** Parses a request part or answers 400 with every problem and its path. */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new BadRequestException({
    problems: result.error.issues.map((issue) => ({
      path: [where, ...issue.path].join('.'),
      message: issue.message,
    })),
  });
}

/** The body of an operator action that only takes an optional note for the record. */
export const NoteBody = z.object({ note: z.string().max(2000).optional() }).strict();
