/** The role words a chat file may use, in either form. */
import type { ChatRole } from './chatTypes';

/**
 * The role a written role word names (case-insensitive). `developer`, OpenAI's
 * newer name for the system message, is read as system, with a warning saying so.
 */
export function roleOf(word: string): { role: ChatRole | null; warning?: string } {
  const w = word.toLowerCase();
  if (w === 'system' || w === 'user' || w === 'assistant') return { role: w };
  if (w === 'developer') return { role: 'system', warning: 'Role "developer" is read as "system" (chat templates know system, user and assistant).' };
  return { role: null };
}
