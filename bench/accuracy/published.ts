// Drain3 0.9.11 measured on these very files (../shared/loghub-2k/PUBLISHED.md, first
// table): each system's st, depth and regex masks, lines in file order, exact comparison.
// The peer columns of the accuracy table when --peer is not given (labelled as published);
// --peer drain3 runs Drain3 in the same run instead and compares it with these.

export interface PublishedScore {
  GA: number;
  PA: number;
  FGA: number;
  FTA: number;
}

export const DRAIN3: Readonly<Record<string, PublishedScore>> = {
  Android: { GA: 0.857, PA: 0.53, FGA: 0.77, FTA: 0.516 },
  Apache: { GA: 1.0, PA: 0.694, FGA: 1.0, FTA: 0.5 },
  BGL: { GA: 0.963, PA: 0.344, FGA: 0.833, FTA: 0.219 },
  Hadoop: { GA: 0.948, PA: 0.513, FGA: 0.82, FTA: 0.295 },
  HDFS: { GA: 0.998, PA: 0.625, FGA: 0.867, FTA: 0.6 },
  HealthApp: { GA: 0.78, PA: 0.231, FGA: 0.351, FTA: 0.109 },
  HPC: { GA: 0.887, PA: 0.635, FGA: 0.753, FTA: 0.366 },
  Linux: { GA: 0.876, PA: 0.172, FGA: 0.947, FTA: 0.421 },
  OpenSSH: { GA: 0.789, PA: 0.508, FGA: 0.88, FTA: 0.44 },
  Spark: { GA: 0.92, PA: 0.382, FGA: 0.769, FTA: 0.4 },
  Windows: { GA: 0.997, PA: 0.462, FGA: 0.932, FTA: 0.408 },
  Zookeeper: { GA: 0.967, PA: 0.497, FGA: 0.854, FTA: 0.354 },
};
