// Email: the message is composed by nodemailer (MIME, encodings, headers) and sent either through
// nodemailer's SMTP transport or piped to a sendmail-compatible program through exec/run.ts, so
// the program runs like every other child (argv, env allow-list, process-group kill on timeout).
// nodemailer is loaded when a mail is sent, not with every command.
import { readFileSync } from 'node:fs';
import type { EmailNotifierConfig } from '../config/types-notify.js';
import { runCommand } from '../exec/run.js';
import type { NotifyEvent } from './event.js';
import { eventText, type DeliveryContext, type Notifier } from './notifier.js';

function message(c: EmailNotifierConfig, e: NotifyEvent) {
  return { from: c.from, to: c.to, subject: e.title, text: eventText(e), headers: { 'X-Pullback-Event': e.kind } };
}

async function viaSendmail(c: EmailNotifierConfig, e: NotifyEvent, ctx: DeliveryContext): Promise<void> {
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
  const raw = await new MailComposer(message(c, e)).compile().build();
  const r = await runCommand(c.sendmail!, ['-i', '-f', c.from, '--', ...c.to], { input: raw, timeoutMs: ctx.timeoutMs, signal: ctx.signal, logger: ctx.logger, quiet: true });
  if (r.timedOut || r.aborted) throw new Error(`${c.sendmail} did not finish in time`);
  if (r.exitCode !== 0) throw new Error(`${c.sendmail} exited ${r.exitCode ?? r.signal}${r.stderrTail.length ? `: ${r.stderrTail.slice(-3).join(' | ')}` : ''}`);
}

async function viaSmtp(c: EmailNotifierConfig, e: NotifyEvent, ctx: DeliveryContext): Promise<void> {
  const s = c.smtp!;
  let pass: string | undefined;
  if (s.passwordFile) {
    try {
      pass = readFileSync(s.passwordFile, 'utf8').trim();
    } catch (err) {
      throw new Error(`cannot read smtp.password_file ${s.passwordFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({
    host: s.host,
    port: s.port,
    secure: s.secure,
    ...(s.user ? { auth: { user: s.user, pass: pass ?? '' } } : {}),
    connectionTimeout: ctx.timeoutMs,
    greetingTimeout: ctx.timeoutMs,
    socketTimeout: ctx.timeoutMs,
  });
  const onAbort = () => transport.close();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await transport.sendMail(message(c, e));
  } catch (err) {
    if (ctx.signal.aborted) throw new Error(`SMTP ${s.host}:${s.port} did not answer in time`);
    throw new Error(`SMTP ${s.host}:${s.port}: ${(err as Error).message}`);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    transport.close();
  }
}

export const emailNotifier: Notifier<EmailNotifierConfig> = {
  kind: 'email',
  describe: (c) => `email to ${c.to.join(', ')} via ${c.sendmail ?? `smtp ${c.smtp?.host}:${c.smtp?.port}`}`,
  deliver: (c, e, ctx) => (c.sendmail ? viaSendmail(c, e, ctx) : viaSmtp(c, e, ctx)),
};
