/** The logging surface core and model code may use; the editor backs it with a LogOutputChannel. */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error): void;
}

/** A logger that drops everything. */
export const silentLogger: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
