/**
 * How much one read of a session's events may return, declared once: the event log's defaults and
 * the poll tool's schema, defaults and description all come from here.
 *
 * @module
 */

export const READ_LIMITS = {
  /** Events per read when the caller says nothing. */
  defaultMaxEvents: 200,
  /** The most events one read may ask for. */
  maxEvents: 1000,
  /** Bytes per answer when the caller says nothing. */
  defaultMaxBytes: 256 * 1024,
  /**
   * The least a caller may ask for: a stored event is at most ~28 KiB (chunk + overhead), and a
   * poll answer carries the events twice (structured content and its JSON text).
   */
  minBytes: 64 * 1024,
  /** The most a caller may ask for. */
  maxBytes: 4 * 1024 * 1024,
} as const;
