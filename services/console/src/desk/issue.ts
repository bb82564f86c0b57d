/**
 * Issue an offender travel alert: the recipients and expiry the envelope needs, and the alert
 * itself drawn from its JSON Schema. Each problem+json `errors[]` entry is shown beside its field,
 * the envelope's beside the recipients and expiry. The recipients offered are the endpoints the
 * gateway's trust registry knows, other than this one.
 */
import { html, nothing, type TemplateResult } from 'lit';
import alertSchema from '../../../../schemas/offender-travel-alert.v1.json';
import { api, idempotencyKey, ProblemError, type FieldError } from '../shared/api.ts';
import { config } from '../shared/config.ts';
import { problemText, t } from '../shared/i18n.ts';
import { MxPage } from '../shared/page.ts';
import type { JsonSchema, MxSchemaForm } from '../shared/schema-form.ts';
import '../shared/schema-form.ts';
import './sent-view.ts';
import type { GatewayStatus, SubmitAccepted } from './types.ts';

export class DeskIssue extends MxPage {
  static override properties = { ...MxPage.properties, endpoints: { state: true }, issued: { state: true }, to: { state: true }, expiresAt: { state: true }, envelopeErrors: { state: true }, error: { state: true }, sending: { state: true } };
  declare endpoints: string[] | undefined;
  /** The alert just issued (its lifecycle is shown in place of the form). */
  declare issued: string | undefined;
  declare to: string[];
  declare expiresAt: string;
  declare envelopeErrors: FieldError[];
  declare error: string | undefined;
  declare sending: boolean;
  private key: string | undefined;

  constructor() {
    super();
    this.endpoints = undefined;
    this.issued = undefined;
    this.to = [];
    this.expiresAt = '';
    this.envelopeErrors = [];
    this.error = undefined;
    this.sending = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.loadEndpoints();
  }

  private async loadEndpoints(): Promise<void> {
    try {
      const status = await api<GatewayStatus>('/v1/status');
      this.endpoints = status.trust.endpoints.filter((e) => e !== config().endpoint).sort();
    } catch (err) {
      this.endpoints = [];
      this.error = err instanceof ProblemError ? problemText(err.code) : t('desk.error.load');
    }
  }

  private form(): MxSchemaForm | null {
    return this.querySelector<MxSchemaForm>('mx-schema-form');
  }

  private errorsAt(prefix: string): FieldError[] {
    return this.envelopeErrors.filter((e) => e.path === prefix || e.path.startsWith(prefix + '/'));
  }

  private toggle(endpoint: string, on: boolean): void {
    this.to = on ? [...this.to.filter((e) => e !== endpoint), endpoint].sort() : this.to.filter((e) => e !== endpoint);
  }

  private async submit(e: Event): Promise<void> {
    e.preventDefault();
    const form = this.form();
    if (!form || this.sending) return;
    this.sending = true;
    this.error = undefined;
    this.envelopeErrors = [];
    this.key ??= idempotencyKey();
    const expires = this.expiresAt ? new Date(this.expiresAt) : undefined;
    try {
      const res = await api<SubmitAccepted>('/v1/notices', {
        method: 'POST',
        headers: { 'idempotency-key': this.key },
        body: { type: 'offender-travel-alert', to: this.to, ...(expires && !Number.isNaN(expires.getTime()) ? { expiresAt: expires.toISOString() } : {}), body: form.value },
      });
      this.key = undefined;
      this.issued = res.id;
      await this.updateComplete;
      this.querySelector<HTMLElement>('#desk-issued-h')?.focus();
    } catch (err) {
      if (err instanceof ProblemError) {
        const others = form.showErrors(err.errors);
        this.envelopeErrors = others;
        const placed = others.filter((o) => o.path.startsWith('/to') || o.path === '/expiresAt');
        const stray = others.filter((o) => !placed.includes(o));
        this.error = [problemText(err.code), ...stray.map((o) => form.errorText(o))].join(' ');
        if (err.status < 500 && err.code !== 'IDEMPOTENCY_KEY_IN_USE') this.key = undefined;
        await this.updateComplete;
        (this.querySelector<HTMLElement>('[aria-invalid="true"]') ?? this.querySelector<HTMLElement>('#desk-issue-error'))?.focus();
      } else {
        this.error = t('desk.error.send');
      }
    } finally {
      this.sending = false;
    }
  }

  private recipients(): TemplateResult {
    const errs = this.errorsAt('/to');
    const invalid = errs.length > 0 ? 'true' : nothing;
    return html`<fieldset id="desk-issue-to" aria-describedby=${errs.length ? 'desk-issue-to-error' : nothing}>
      <legend>${t('desk.form.to')} <abbr class="req" title=${t('desk.form.required')}>*</abbr></legend>
      ${errs.length ? html`<p class="error" id="desk-issue-to-error">${errs.map((x) => this.form()?.errorText(x) ?? problemText(x.code)).join(' ')}</p>` : nothing}
      ${this.endpoints === undefined
        ? html`<p role="status">${t('common.loading')}</p>`
        : this.endpoints.map(
            (ep) => html`<div class="check">
              <input type="checkbox" id=${`desk-to-${ep}`} .checked=${this.to.includes(ep)} aria-invalid=${invalid} @change=${(e: Event) => this.toggle(ep, (e.target as HTMLInputElement).checked)}>
              <label for=${`desk-to-${ep}`}>${t(`common.endpoint.${ep}`)}</label>
            </div>`,
          )}
    </fieldset>`;
  }

  private another(): void {
    this.issued = undefined;
    this.to = [];
    this.expiresAt = '';
    this.envelopeErrors = [];
  }

  override render(): TemplateResult {
    if (this.issued) {
      return html`<h1 tabindex="-1">${t('desk.issue.title')}</h1>
        <p class="ok" role="status">${t('desk.issue.done')}</p>
        <mx-desk-issued .messageId=${this.issued}></mx-desk-issued>
        <p><button type="button" @click=${() => this.another()}>${t('desk.issue.another')}</button></p>`;
    }
    const expErrs = this.errorsAt('/expiresAt');
    return html`<h1 tabindex="-1">${t('desk.issue.title')}</h1>
      <p>${t('desk.issue.intro')}</p>
      ${this.error ? html`<p class="error" role="alert" id="desk-issue-error" tabindex="-1">${this.error}</p>` : nothing}
      <form novalidate @submit=${(e: Event) => void this.submit(e)}>
        ${this.recipients()}
        <div class="field">
          <label for="desk-issue-expires">${t('desk.form.expiresAt')}</label>
          <input type="datetime-local" id="desk-issue-expires" .value=${this.expiresAt} aria-invalid=${expErrs.length ? 'true' : nothing} aria-describedby=${expErrs.length ? 'desk-issue-expires-error' : nothing}
            @input=${(e: Event) => (this.expiresAt = (e.target as HTMLInputElement).value)}>
          ${expErrs.length ? html`<p class="error" id="desk-issue-expires-error">${expErrs.map((x) => this.form()?.errorText(x) ?? problemText(x.code)).join(' ')}</p>` : nothing}
        </div>
        <mx-schema-form .schema=${alertSchema as unknown as JsonSchema} area="desk" error-prefix="/body"></mx-schema-form>
        <button type="submit" class="primary" ?disabled=${this.sending}>${this.sending ? t('desk.form.sending') : t('desk.issue.submit')}</button>
      </form>`;
  }
}

customElements.define('mx-desk-issue', DeskIssue);
