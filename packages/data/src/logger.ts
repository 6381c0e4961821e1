/** The subset of a pino logger this package uses: structured details first, then the message. */
export interface DataLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export const silentLogger: DataLogger = {
  info: () => undefined,
  warn: () => undefined,
};
