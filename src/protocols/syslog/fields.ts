/** What a syslog header yields, before the org, the level and the facility are added. */
export interface SyslogFields {
  message: string;
  /** Epoch ms; absent: the receive time (validation's default). */
  timestamp?: number;
  host?: string;
  service?: string;
  /** A null-prototype object: keys come from the sender. */
  metadata: Record<string, string>;
}
