/**
 * `#/compose`: a new victim repatriation notice. The body's fields are drawn from
 * schemas/victim-repatriation-notice.v1.json; the envelope fields the API needs (recipients, case
 * reference) are the page's own, with the case-reference rule as help text. Sent with one
 * Idempotency-Key per notice, so a retry after a lost answer cannot send it twice; each
 * problem+json `errors[]` entry is shown beside its field; on 202 the case timeline opens.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { api, idempotencyKey, ProblemError, type FieldError } from '../shared/api.ts';
import { config } from '../shared/config.ts';
import { t } from '../shared/i18n.ts';
import { MxPage } from '../shared/page.ts';
import { navigate } from '../shared/router.ts';
import type { MxSchemaForm } from '../shared/schema-form.ts';
import '../shared/schema-form.ts';
import './officer.css';
import { COUNTRIES, endpointText, failureText, VICTIM_NOTICE, type Schemas } from './view.ts';

export class OfficerCompose extends MxPage {
  static override properties = {
    ...MxPage.properties,
    to: { state: true },
    caseRef: { state: true },
    envelopeErrors: { state: true },
    failure: { state: true },
    busy: { state: true },
  };
  declare to: string[];
  declare caseRef: string;
  declare envelopeErrors: FieldError[];
  declare failure: string | undefined;
  declare busy: boolean;
  /** One key per notice: kept across retries, renewed once a notice was accepted. */
  private key = idempotencyKey();

  constructor() {
    super();
    this.to = [];
    this.caseRef = '';
    this.envelopeErrors = [];
    this.failure = undefined;
    this.busy = false;
  }

  private get form(): MxSchemaForm {
    return this.querySelector<MxSchemaForm>('mx-schema-form')!;
  }

  private async submit(e: Event): Promise<void> {
    e.preventDefault();
    if (this.busy) return;
    this.busy = true;
    this.failure = undefined;
    this.envelopeErrors = [];
    this.form.showErrors([]);
    const ref = this.caseRef.trim();
    const request = { type: 'victim-repatriation-notice', to: this.to, ...(ref ? { caseRef: ref } : {}), body: this.form.value };
    try {
      const accepted = await api<Schemas['SubmitAccepted']>('/v1/notices', { method: 'POST', body: request, headers: { 'idempotency-key': this.key } });
      this.key = idempotencyKey();
      const caseRef = accepted.caseRef ?? ref;
      if (caseRef) navigate('/case/:caseRef', { caseRef });
      else navigate('/message/:id', { id: accepted.id });
    } catch (err) {
      this.failure = failureText(err);
      if (err instanceof ProblemError) this.envelopeErrors = this.form.showErrors(err.errors);
      await this.updateComplete;
      // The summary names the failure; the first field in error takes focus so it can be fixed.
      const first = this.querySelector<HTMLElement>('[aria-invalid="true"]');
      (first ?? this.querySelector<HTMLElement>('#compose-problem'))?.focus();
    } finally {
      this.busy = false;
    }
  }

  private errorsAt(prefix: string): FieldError[] {
    return this.envelopeErrors.filter((e) => e.path === prefix || e.path.startsWith(prefix + '/'));
  }

  private envelope(): TemplateResult {
    const me = config().endpoint;
    const toErrors = this.errorsAt('/to');
    const refErrors = this.errorsAt('/caseRef');
    const year = new Date().getUTCFullYear();
    const other = this.envelopeErrors.filter((e) => !toErrors.includes(e) && !refErrors.includes(e));
    return html`<fieldset id="compose-to" aria-describedby=${toErrors.length ? 'compose-to-error' : nothing}>
        <legend>${t('officer.compose.to')} <abbr class="req" title=${t('officer.form.required')}>*</abbr></legend>
        ${toErrors.length ? html`<p class="error" id="compose-to-error">${toErrors.map((e) => this.form?.errorText(e) ?? '').join(' ')}</p>` : nothing}
        ${COUNTRIES.filter((c) => c !== me).map((c) => html`<div class="check">
          <input type="checkbox" id=${`compose-to-${c}`} value=${c} .checked=${this.to.includes(c)} aria-invalid=${toErrors.length ? 'true' : nothing} aria-describedby=${toErrors.length ? 'compose-to-error' : nothing}
            @change=${(e: Event) => (this.to = (e.target as HTMLInputElement).checked ? [...this.to, c] : this.to.filter((x) => x !== c))}>
          <label for=${`compose-to-${c}`}>${endpointText(c)}</label>
        </div>`)}
      </fieldset>
      <div class="field">
        <label for="compose-case-ref">${t('officer.compose.caseRef')}</label>
        <input id="compose-case-ref" type="text" autocomplete="off" spellcheck="false" maxlength="20" pattern="(?:[A-Z]{2}|INTERPOL)-[0-9]{4}-[0-9]{6}"
          placeholder=${`${me}-${year}-000123`} .value=${this.caseRef} @input=${(e: Event) => (this.caseRef = (e.target as HTMLInputElement).value)}
          aria-invalid=${refErrors.length ? 'true' : nothing} aria-describedby=${refErrors.length ? 'compose-case-ref-help compose-case-ref-error' : 'compose-case-ref-help'}>
        <p class="help" id="compose-case-ref-help">${t('officer.compose.caseRefHelp', { endpoint: me, year: String(year) })}</p>
        ${refErrors.length ? html`<p class="error" id="compose-case-ref-error">${refErrors.map((e) => this.form?.errorText(e) ?? '').join(' ')}</p>` : nothing}
      </div>
      ${other.length ? html`<ul class="error">${other.map((e) => html`<li>${e.path}: ${this.form?.errorText(e) ?? ''}</li>`)}</ul>` : nothing}`;
  }

  override render(): TemplateResult {
    return html`<h1 tabindex="-1">${t('officer.compose.title')}</h1>
      <form id="compose" novalidate @submit=${(e: Event) => void this.submit(e)}>
        ${this.failure ? html`<p class="error problem" id="compose-problem" role="alert" tabindex="-1">${this.failure}</p>` : nothing}
        <h2>${t('officer.compose.envelope')}</h2>
        ${this.envelope()}
        <h2>${t('officer.compose.body')}</h2>
        <mx-schema-form .schema=${VICTIM_NOTICE} area="officer" error-prefix="/body"></mx-schema-form>
        <p class="actions"><button type="submit" class="primary" id="compose-send" ?disabled=${this.busy}>${t('officer.compose.send')}</button>
          ${this.busy ? html`<span role="status">${t('officer.compose.sending')}</span>` : nothing}</p>
      </form>`;
  }
}

customElements.define('mx-officer-compose', OfficerCompose);
