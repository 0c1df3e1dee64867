// The typed notify configuration (schema-notify.ts is its documentation).

/** What a notifier can be told about; `on:` lists these. */
export const NOTIFY_EVENT_KINDS = ['start', 'finish', 'success', 'warning', 'failure', 'partial', 'check', 'drill', 'restore', 'stale', 'recovered'] as const;
export type NotifyEventKind = (typeof NOTIFY_EVENT_KINDS)[number];

export const NOTIFIER_KINDS = ['webhook', 'command', 'healthchecks', 'email'] as const;
export type NotifierKind = (typeof NOTIFIER_KINDS)[number];

export interface NotifierCommon {
  kind: NotifierKind;
  /** Events this notifier is sent. */
  on: NotifyEventKind[];
  /** Seconds one attempt may take before it is abandoned. */
  timeoutSeconds: number;
  attempts: number;
  /** Wait before the first retry; doubled for each further attempt. */
  backoffSeconds: number;
}

export interface WebhookHeader {
  name: string;
  value?: string;
  /** File whose content (trimmed) is the value: for secrets. */
  valueFile?: string;
}

export interface WebhookNotifierConfig extends NotifierCommon {
  kind: 'webhook';
  url: string;
  headers: WebhookHeader[];
}

export interface CommandNotifierConfig extends NotifierCommon {
  kind: 'command';
  argv: string[];
}

export interface HealthchecksNotifierConfig extends NotifierCommon {
  kind: 'healthchecks';
  url: string;
}

export interface SmtpConfig {
  host: string;
  port: number;
  /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  user?: string;
  passwordFile?: string;
}

export interface EmailNotifierConfig extends NotifierCommon {
  kind: 'email';
  to: string[];
  from: string;
  sendmail?: string;
  smtp?: SmtpConfig;
}

export type NotifierConfig = WebhookNotifierConfig | CommandNotifierConfig | HealthchecksNotifierConfig | EmailNotifierConfig;
