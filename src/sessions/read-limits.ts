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
  /**
   * Bytes per answer (the whole tool result: the JSON text and the structured content together)
   * when the caller says nothing: what model clients show inline (Claude Code moves larger
   * results to a file and shows the model a 2 KB preview).
   */
  defaultMaxBytes: 24 * 1024,
  /**
   * The least a caller may ask for: a stored event is at most ~8 KiB (chunk + overhead), and a
   * poll answer carries it twice (structured content and its JSON text) besides the session view.
   */
  minBytes: 20 * 1024,
  /** The most a caller may ask for. */
  maxBytes: 4 * 1024 * 1024,
} as const;
