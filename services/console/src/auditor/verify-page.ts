/**
 * `#/verify` and `#/verify/<leaf index>`: verify in this browser. The auditor brings the audit
 * service's public key (pasted or from its file; public, so it may be remembered in this browser);
 * the page fetches the latest signed checkpoint, the leaf and its inclusion proof in that
 * checkpoint's tree, and checks them with WebCrypto (verify.ts), showing each step and the first
 * that failed. Nothing from the service is trusted: not even the hashes it states.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { api, ProblemError } from '../shared/api.ts';
import { formatDateTime, formatNumber, t } from '../shared/i18n.ts';
import { MxPage } from '../shared/page.ts';
import { errorText, failureAlert } from './audit-api.ts';
import { importAuditJwks, verifyLeaf, VerifyError, type AuditKey, type Checkpoint, type InclusionProofResponse, type LeafResponse, type LeafVerification, type Step } from './verify.ts';

/** The remembered audit public key (public data: a key, never a token or anything personal). */
const KEY_STORAGE = 'mx.auditor.auditKey';

type Outcome =
  | { kind: 'verified' | 'failed'; result: LeafVerification; checkpoint: Checkpoint; index: number }
  | { kind: 'no-checkpoint' }
  | { kind: 'not-covered'; index: number; treeSize: number }
  | { kind: 'no-leaf'; index: number }
  | { kind: 'error'; error: unknown };

export class MxAuditVerify extends MxPage {
  static override properties = {
    ...MxPage.properties,
    keys: { state: true },
    keyError: { state: true },
    indexError: { state: true },
    outcome: { state: true },
    busy: { state: true },
    remember: { state: true },
  };
  declare keys: AuditKey[] | undefined;
  declare keyError: string | undefined;
  declare indexError: string | undefined;
  declare outcome: Outcome | undefined;
  declare busy: boolean;
  declare remember: boolean;
  private keyText = '';
  private index = '';
  private shownParam: string | undefined;

  constructor() {
    super();
    this.keys = undefined;
    this.keyError = undefined;
    this.indexError = undefined;
    this.outcome = undefined;
    this.busy = false;
    const stored = localStorage.getItem(KEY_STORAGE);
    this.remember = stored !== null;
    if (stored !== null) {
      this.keyText = stored;
      void this.readKey(stored);
    }
  }

  protected override willUpdate(): void {
    if (this.params.index !== this.shownParam) {
      this.shownParam = this.params.index;
      this.index = this.params.index ?? '';
      this.outcome = undefined;
    }
  }

  private async readKey(text: string): Promise<void> {
    this.keyText = text;
    if (this.remember) this.store();
    if (!text.trim()) {
      this.keys = undefined;
      this.keyError = undefined;
      return;
    }
    try {
      const keys = await importAuditJwks(text);
      if (text !== this.keyText) return;
      this.keys = keys;
      this.keyError = undefined;
    } catch (err) {
      if (text !== this.keyText) return;
      this.keys = undefined;
      this.keyError = t(`auditor.verify.problem.${err instanceof VerifyError ? err.problem : 'KEY_NOT_JWKS'}`);
    }
  }

  private async readFile(input: HTMLInputElement): Promise<void> {
    const file = input.files?.[0];
    if (!file) return;
    const text = await file.text();
    const area = this.querySelector<HTMLTextAreaElement>('#vf-key');
    if (area) area.value = text;
    await this.readKey(text);
  }

  private store(): void {
    if (this.remember && this.keyText.trim()) localStorage.setItem(KEY_STORAGE, this.keyText);
    else localStorage.removeItem(KEY_STORAGE);
  }

  private toggleRemember(on: boolean): void {
    this.remember = on;
    this.store();
  }

  private async verify(e: Event): Promise<void> {
    e.preventDefault();
    this.index = String(new FormData(e.target as HTMLFormElement).get('index') ?? '').trim();
    this.indexError = /^(0|[1-9][0-9]{0,15})$/.test(this.index) && Number.isSafeInteger(Number(this.index)) ? undefined : t('auditor.verify.indexInvalid');
    if (!this.keyText.trim()) this.keyError = t('auditor.verify.keyMissing');
    if (this.indexError || this.keyError) {
      void this.updateComplete.then(() => this.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    const index = Number(this.index);
    this.busy = true;
    this.outcome = undefined;
    try {
      this.outcome = await this.check(index);
    } catch (err) {
      this.outcome = { kind: 'error', error: err };
    } finally {
      this.busy = false;
    }
    void this.updateComplete.then(() => this.querySelector<HTMLElement>('#vf-result')?.focus());
  }

  private async check(index: number): Promise<Outcome> {
    let checkpoint: Checkpoint;
    try {
      checkpoint = await api<Checkpoint>('/v1/checkpoints/latest');
    } catch (err) {
      if (err instanceof ProblemError && err.status === 404) return { kind: 'no-checkpoint' };
      throw err;
    }
    if (typeof checkpoint.treeSize === 'number' && index >= checkpoint.treeSize) return { kind: 'not-covered', index, treeSize: checkpoint.treeSize };
    let leaf: LeafResponse;
    try {
      leaf = await api<LeafResponse>(`/v1/leaves/${index}`);
    } catch (err) {
      if (err instanceof ProblemError && err.status === 404) return { kind: 'no-leaf', index };
      throw err;
    }
    // The proof is asked for in the checkpoint's tree, so a checkpoint signed meanwhile changes nothing.
    const proof = await api<InclusionProofResponse>(`/v1/proofs/inclusion?${new URLSearchParams({ index: String(index), treeSize: String(checkpoint.treeSize) })}`);
    const result = await verifyLeaf({ jwks: this.keyText, checkpoint, leaf, proof });
    return { kind: result.ok ? 'verified' : 'failed', result, checkpoint, index };
  }

  private stepText(s: Step): string {
    const p: Record<string, string | number> = { ...s.params };
    if (typeof p.time === 'string') p.time = formatDateTime(p.time);
    if (typeof p.bytes === 'number') p.bytes = formatNumber(p.bytes);
    return t(`auditor.verify.step.${s.id}.${s.ok ? 'ok' : 'fail'}`, p);
  }

  private steps(result: LeafVerification): TemplateResult {
    return html`<ol class="steps">${result.steps.map(
      (s) => html`<li class=${s.ok ? 'ok' : 'error'} data-step=${s.id} data-ok=${s.ok ? 'true' : 'false'}>
        <span class="badge">${s.ok ? t('auditor.verify.passed') : t('auditor.verify.failedBadge')}</span>
        ${this.stepText(s)}
        ${s.problem ? html`<br><strong>${t(`auditor.verify.problem.${s.problem}`)}</strong>` : nothing}
      </li>`,
    )}</ol>`;
  }

  private result(): TemplateResult | typeof nothing {
    const o = this.outcome;
    if (!o) return nothing;
    switch (o.kind) {
      case 'verified':
      case 'failed': {
        const failed = o.result.steps.find((s) => !s.ok);
        // The live region wraps the heading: a role on the heading itself would hide it as a heading.
        return html`<div role=${o.kind === 'verified' ? 'status' : 'alert'}>
          <h2 id="vf-result" tabindex="-1" class=${o.kind === 'verified' ? 'ok' : 'error'}>
            ${o.kind === 'verified'
              ? t('auditor.verify.verified', { index: o.index, treeSize: o.checkpoint.treeSize })
              : t('auditor.verify.failed', { index: o.index, step: t(`auditor.verify.stepName.${failed?.id ?? 'key'}`) })}
          </h2>
          ${this.steps(o.result)}
        </div>`;
      }
      case 'no-checkpoint':
        return html`<p id="vf-result" tabindex="-1" role="alert">${t('auditor.verify.noCheckpoint')}</p>`;
      case 'not-covered':
        return html`<p id="vf-result" tabindex="-1" role="alert">${t('auditor.verify.notCovered', { index: o.index, treeSize: o.treeSize })}</p>`;
      case 'no-leaf':
        return html`<p id="vf-result" tabindex="-1" role="alert">${t('auditor.verify.noLeaf', { index: o.index })}</p>`;
      case 'error':
        return html`<div id="vf-result" tabindex="-1">${failureAlert(o.error)}</div>`;
    }
  }

  private keySummary(): TemplateResult | typeof nothing {
    if (!this.keys) return nothing;
    return html`<div id="vf-key-summary" class="ok">
      <p>${t('auditor.verify.keyRead', { count: this.keys.length })}</p>
      <ul>${this.keys.map((k) => html`<li>${t('auditor.verify.keyThumbprint')} <code class="hash">${k.thumbprint}</code> (<code>${k.kid}</code>)</li>`)}</ul>
    </div>`;
  }

  override render(): TemplateResult {
    const keyDescribedBy = [this.keyError ? 'vf-key-error' : '', this.keys ? 'vf-key-summary' : '', 'vf-key-help'].filter(Boolean).join(' ');
    return html`<h1 tabindex="-1">${t('auditor.verify.title')}</h1>
      <p class="muted">${t('auditor.verify.intro')}</p>
      <form @submit=${(e: Event) => void this.verify(e)} novalidate>
        <fieldset>
          <legend>${t('auditor.verify.keyLegend')}</legend>
          <div class="field">
            <label for="vf-key">${t('auditor.verify.keyPaste')}</label>
            <textarea id="vf-key" name="key" rows="5" spellcheck="false" autocomplete="off" .value=${this.keyText}
              aria-invalid=${this.keyError ? 'true' : 'false'} aria-describedby=${keyDescribedBy}
              @input=${(e: Event) => void this.readKey((e.target as HTMLTextAreaElement).value)}></textarea>
            <span class="muted" id="vf-key-help">${t('auditor.verify.keyHelp')}</span>
            ${errorText('vf-key-error', this.keyError ? [this.keyError] : [])}
          </div>
          <div class="field">
            <label for="vf-key-file">${t('auditor.verify.keyFile')}</label>
            <input id="vf-key-file" type="file" accept=".json,application/json,application/jwk-set+json" @change=${(e: Event) => void this.readFile(e.target as HTMLInputElement)}>
          </div>
          <div class="check">
            <input id="vf-remember" type="checkbox" .checked=${this.remember} @change=${(e: Event) => this.toggleRemember((e.target as HTMLInputElement).checked)}>
            <label for="vf-remember">${t('auditor.verify.remember')}</label>
          </div>
          ${this.keySummary()}
        </fieldset>
        <div class="filters">
          <div class="field">
            <label for="vf-index">${t('auditor.verify.index')}</label>
            <input id="vf-index" name="index" type="text" inputmode="numeric" autocomplete="off" .value=${this.index}
              aria-invalid=${this.indexError ? 'true' : 'false'} aria-describedby=${this.indexError ? 'vf-index-error' : nothing}>
            ${errorText('vf-index-error', this.indexError ? [this.indexError] : [])}
          </div>
          <div class="field"><button class="primary" type="submit" id="vf-run" ?disabled=${this.busy}>${t('auditor.verify.run')}</button></div>
        </div>
      </form>
      <section aria-label=${t('auditor.verify.resultLabel')} aria-busy=${this.busy ? 'true' : 'false'}>
        ${this.busy ? html`<p role="status">${t('auditor.verify.working')}</p>` : nothing}
        ${this.result()}
      </section>`;
  }
}

customElements.define('mx-audit-verify', MxAuditVerify);
