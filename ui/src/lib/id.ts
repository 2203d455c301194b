// UUIDv7 ids, made where the thing is made (the server treats a repeat as the same thing).
import { v7 } from 'uuid';

export function newId(): string {
  return v7();
}
