// Issue 22: the status line of a host's archives against the catalog: red while an archive pullback
// recorded is gone from the repository and not yet accepted as lost (`pullback repo
// accept-rollback`), amber once accepted until a nightly archive is made again, then green with the
// loss still said. Pure; its facts come from catalog/vanished.ts.

/** An archive the catalog recorded that borg no longer lists. */
export interface MissingArchiveFact {
  name: string;
  createdAt: string;
  /** When it was first found missing. */
  vanishedAt?: string;
  /** When the operator accepted it as lost. */
  lostAt?: string;
}

/** A status line (report/freshness.ts's Verdict without times: the loss has no age or limit). */
export interface LossVerdict {
  light: 'green' | 'amber' | 'red';
  reason: string;
}

export interface ArchiveLossFacts {
  /** Found missing, not yet accepted. */
  unresolved: MissingArchiveFact[];
  /** Accepted as lost. */
  lost: MissingArchiveFact[];
}

const t = (iso: string | undefined) => (iso ? iso.replace(/\.\d{3}Z$/, 'Z') : '?');
const names = (xs: readonly MissingArchiveFact[]) => xs.map((a) => `${a.name} (made ${t(a.createdAt)})`).join(', ');

/** The verdict on `host`'s archives: whether every archive the catalog recorded is still in the repository. */
export function archiveLossVerdict(host: string, f: ArchiveLossFacts | undefined, lastSuccess: Date | undefined): LossVerdict {
  if (!f || (f.unresolved.length === 0 && f.lost.length === 0)) return { light: 'green', reason: `${host}: archives: every archive recorded is in the repository` };
  if (f.unresolved.length > 0) {
    const noticed = f.unresolved.map((a) => a.vanishedAt).filter((x): x is string => !!x).sort()[0];
    return {
      light: 'red',
      reason:
        `${host}: archives: ${f.unresolved.length} archive(s) gone from the repository (noticed ${t(noticed)}): ${names(f.unresolved)}; ` +
        `the repository lost data (a crash or a bad disk may have rolled it back): \`pullback check --host ${host}\` says what happened, \`pullback repo accept-rollback --host ${host}\` accepts it`,
    };
  }
  const accepted = f.lost.map((a) => a.lostAt).filter((x): x is string => !!x).sort().at(-1);
  const said = `${f.lost.length} archive(s) lost (accepted ${t(accepted)}): ${names(f.lost)}`;
  if (accepted && (!lastSuccess || lastSuccess.getTime() < new Date(accepted).getTime())) {
    return { light: 'amber', reason: `${host}: archives: ${said}; no nightly archive since: the next \`pullback run\` makes one` };
  }
  return { light: 'green', reason: `${host}: archives: ${said}; nightly archives made since` };
}
