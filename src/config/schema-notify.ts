// Schema of the global file's `notify:` list: who is told what happened, and how.
import { argv, duration, int, list, localPath, obj, oneOf, str, type SchemaNode } from './schema-node.js';
import { NOTIFY_EVENT_KINDS, type NotifierKind, type NotifyEventKind } from './types-notify.js';
import { DURATION_PATTERN } from './units.js';

export const NOTIFY_DEFAULTS = { timeout: '10s', attempts: 3, backoff: '2s' } as const;

/** The events a notifier gets when its `on:` is left out. */
export const DEFAULT_ON: Record<NotifierKind, NotifyEventKind[]> = {
  webhook: ['failure', 'warning', 'partial', 'stale'],
  command: ['failure', 'partial', 'stale'],
  healthchecks: ['start', 'finish'],
  email: ['failure', 'partial', 'stale'],
};

const EVENTS_TEXT =
  'start (a run, restore or drill began), finish (a run ended: its summary), success, warning and failure (one per host of a run: host, failed source and step, error lines), ' +
  'partial (a host archived with a failed source\'s last good state), check (archive checks ran), drill (a drill\'s result), restore (restore start and end), stale (a host\'s or source\'s last success is older than its max_age: sent by status --notify when it becomes stale, then every notify_remind), recovered (a stale host or source is fresh again; a notifier with stale gets it too)';

const notifier: SchemaNode = obj(
  {
    webhook: str({ description: 'URL the event is POSTed to as JSON (Content-Type: application/json; docs/json.md: its text field is the one line chat webhooks show, backup_host the machine that sent it).', example: 'https://example.org/hook' }),
    headers: list(
      obj(
        {
          name: str({ description: 'Header name.', example: 'Authorization' }),
          value: str({ description: 'Header value, written in the config (not for secrets).', example: 'Bearer placeholder' }),
          value_file: localPath({ description: 'File whose content (trimmed) is the header value: for secrets, which never reach logs or the catalog.', example: '/etc/pullback/hook-token' }),
        },
        { description: 'One header.', required: ['name'] },
      ),
      { description: 'Extra HTTP headers of a webhook; each has value or value_file.', example: [{ name: 'Authorization', value_file: '/etc/pullback/hook-token' }] },
    ),
    command: argv('A command (argv, never a shell) given the event as JSON on stdin (the webhook payload, docs/json.md); exit 0 means delivered.'),
    healthchecks: str({
      description: 'A healthchecks.io-style ping URL: <url>/start when a run starts, <url> when it succeeds (or warns), <url>/fail with the summary as body when it fails.',
      example: 'https://hc-ping.com/your-uuid',
    }),
    email: obj(
      {
        to: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, description: 'Recipients.', examples: [['ops@example.org']] },
        from: str({ description: 'Sender address.', example: 'backup@example.org' }),
        sendmail: localPath({ description: 'sendmail-compatible program the message is piped to (sendmail -i -f FROM -- TO...).', example: '/usr/sbin/sendmail' }),
        smtp: obj(
          {
            host: str({ description: 'SMTP server.', example: 'smtp.example.org' }),
            port: int({ description: 'SMTP port.', default: 587, example: 587, minimum: 1, maximum: 65535 }),
            secure: { type: 'boolean', description: 'TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it.', default: false, examples: [false] },
            user: str({ description: 'SMTP login.', example: 'backup' }),
            password_file: localPath({ description: 'File holding the SMTP password (never logged or recorded).', example: '/etc/pullback/smtp-password' }),
          },
          { description: 'SMTP server the message is sent through.', required: ['host'] },
        ),
      },
      { description: 'Email with the event as plain text; exactly one of sendmail or smtp.', required: ['to', 'from'] },
    ),
    on: list(oneOf([...NOTIFY_EVENT_KINDS], { description: 'An event kind.', example: 'failure' }), {
      description: `Events sent to this notifier: ${EVENTS_TEXT}.`,
      defaultText: 'webhook: failure, warning, partial, stale; command and email: failure, partial, stale; healthchecks: start, finish',
      example: ['failure', 'warning', 'stale'],
    }),
    timeout: duration({ description: 'Time one attempt may take before it is abandoned.', default: NOTIFY_DEFAULTS.timeout, example: NOTIFY_DEFAULTS.timeout }, DURATION_PATTERN),
    attempts: int({ description: 'Attempts per event; 1 means no retry. A notification that still fails is logged and recorded in the catalog; it never fails the run.', default: NOTIFY_DEFAULTS.attempts, example: NOTIFY_DEFAULTS.attempts, minimum: 1 }),
    backoff: duration({ description: 'Wait before the first retry; doubled for each further attempt.', default: NOTIFY_DEFAULTS.backoff, example: NOTIFY_DEFAULTS.backoff }, DURATION_PATTERN),
  },
  { description: 'One notifier: exactly one of webhook, command, healthchecks, email.' },
);

export const notifySchema: SchemaNode = list(notifier, {
  description: 'Who is told what happened. A notifier has a timeout and retries with backoff, and can neither hang nor fail a run.',
  default: [],
  example: [
    { webhook: 'https://example.org/hook', on: ['failure', 'warning', 'stale'] },
    { command: ['/usr/local/bin/page-oncall'], on: ['failure'] },
    { healthchecks: 'https://hc-ping.com/your-uuid' },
    { email: { to: ['ops@example.org'], from: 'backup@example.org', sendmail: '/usr/sbin/sendmail' }, on: ['failure', 'stale', 'drill'] },
  ],
});
