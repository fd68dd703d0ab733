// The one shape of a log call in main: the app log, the console and tests all take it.
export type LogLevel = 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, message: string) => void;
