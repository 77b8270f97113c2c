/** A table's own statistics as the sensor reads them (src/probes/table-stats.ts fills them). */
export interface PartAnalysis {
  name: string;
  reltuples: number;
  mods_since_analyze: number;
  /** Seconds since it was last analyzed; null if never. */
  analyzed_age_seconds: number | null;
  /** Autovacuum is on for it and its changes pass autovacuum's own analyze threshold: it will come. */
  autoanalyze_due: boolean;
  /**
   * How long consecutive samples have seen its changes past the stale threshold (0 on the first);
   * null in a one-off reading, which has no such history.
   */
  stale_for_seconds: number | null;
}

export interface TableStats {
  oid: number;
  name: string;
  live_tuples: number;
  dead_tuples: number;
  reloptions: string[] | null;
  /** Planner's row estimate; negative when never vacuumed or analyzed. */
  reltuples: number;
  /** Rows changed since the last ANALYZE: what stale statistics are made of. */
  mods_since_analyze: number;
  last_analyzed_at: string | null;
  /** Per part with storage (the table, or each leaf partition): what staleness is judged on. */
  analysis: PartAnalysis[];
  /** age(relfrozenxid) of the table or its TOAST table, whichever is older: wraparound distance. */
  xid_age: number;
  /** Age at which autovacuum forces an anti-wraparound vacuum here (reloption or server setting). */
  freeze_max_age: number;
}
