/**
 * Record an action on an alert: an `offender-alert-response` to its sender, the form drawn from the
 * response's JSON Schema, each problem+json `errors[]` entry beside its field. The alert is looked up
 * in the desk's inbox listing (no body, so no audited read): a victim notice's id or a random id is
 * the not-found page, never requested.
 */
import { html, nothing, type TemplateResult } from 'lit';
import responseSchema from '../../../../schemas/offender-alert-response.v1.json';
import { api, idempotencyKey, ProblemError } from '../shared/api.ts';
import { formatDate, problemText, t } from '../shared/i18n.ts';
import { MxPage } from '../shared/page.ts';
import { link, navigate } from '../shared/router.ts';
import type { JsonSchema, MxSchemaForm } from '../shared/schema-form.ts';
import '../shared/schema-form.ts';
import { notFound } from './alert-view.ts';
import { findReceived } from './lookup.ts';
import type { MessageLifecycle, SubmitAccepted } from './types.ts';

export class DeskRespond extends MxPage {
  static override properties = { ...MxPage.properties, alert: { state: true }, state: { state: true }, error: { state: true } };
  declare alert: MessageLifecycle | undefined;
  declare state: 'loading' | 'ready' | 'sending' | 'not-found' | 'failed';
  declare error: string | undefined;
  private loadedFor: string | undefined;
  /** Kept across retries of one submission, so a retry after a lost answer sends nothing twice. */
  private key: string | undefined;

  constructor() {
    super();
    this.alert = undefined;
    this.state = 'loading';
    this.error = undefined;
  }

  protected override willUpdate(): void {
    const id = this.params.id;
    if (id !== undefined && id !== this.loadedFor) {
      this.loadedFor = id;
      this.key = undefined;
      void this.load(id);
    }
  }

  private async load(id: string): Promise<void> {
    this.state = 'loading';
    try {
      const summary = await findReceived(id);
      if (id !== this.loadedFor) return;
      if (!summary || summary.type !== 'offender-travel-alert') {
        this.state = 'not-found';
        return;
      }
      const m = await api<MessageLifecycle>(`/v1/messages/${encodeURIComponent(id)}`);
      if (id !== this.loadedFor) return;
      this.alert = m;
      this.state = m.type === 'offender-travel-alert' && m.direction === 'received' ? 'ready' : 'not-found';
      if (this.state === 'ready') {
        await this.updateComplete;
        const form = this.form();
        if (form) form.value = { at: new Date().toISOString() };
      }
    } catch (err) {
      if (id !== this.loadedFor) return;
      if (err instanceof ProblemError && err.status === 404) this.state = 'not-found';
      else {
        this.error = err instanceof ProblemError ? problemText(err.code) : t('desk.error.load');
        this.state = 'failed';
      }
    }
  }

  private form(): MxSchemaForm | null {
    return this.querySelector<MxSchemaForm>('mx-schema-form');
  }

  private async submit(e: Event): Promise<void> {
    e.preventDefault();
    const form = this.form();
    const id = this.loadedFor;
    if (!form || !id || this.state === 'sending') return;
    this.state = 'sending';
    this.error = undefined;
    this.key ??= idempotencyKey();
    try {
      await api<SubmitAccepted>(`/v1/inbox/${encodeURIComponent(id)}/responses`, {
        method: 'POST',
        headers: { 'idempotency-key': this.key },
        body: { type: 'offender-alert-response', body: form.value },
      });
      this.key = undefined;
      navigate('/alerts/:id', { id });
    } catch (err) {
      this.state = 'ready';
      if (err instanceof ProblemError) {
        const others = form.showErrors(err.errors);
        this.error = [problemText(err.code), ...others.map((o) => form.errorText(o))].join(' ');
        // A refused request is final for this key: the next attempt is a new submission.
        if (err.status < 500 && err.code !== 'IDEMPOTENCY_KEY_IN_USE') this.key = undefined;
        await form.focusFirstError();
      } else {
        this.error = t('desk.error.send');
      }
    }
  }

  override render(): TemplateResult {
    if (this.state === 'not-found') return notFound();
    const a = this.alert?.recipients[0]?.alert;
    return html`<p><a href=${this.loadedFor ? link('/alerts/:id', { id: this.loadedFor }) : link('/alerts')}>${t('desk.respond.back')}</a></p>
      <h1 tabindex="-1">${t('desk.respond.title')}</h1>
      ${this.alert ? html`<p>${t('desk.respond.intro', { from: t(`common.endpoint.${this.alert.from}`), date: a ? formatDate(a.arrivalAt) : '—' })}</p>` : nothing}
      ${this.error ? html`<p class="error" role="alert" id="desk-respond-error">${this.error}</p>` : nothing}
      ${this.state === 'loading'
        ? html`<p role="status">${t('common.loading')}</p>`
        : this.state === 'failed'
          ? nothing
          : html`<form novalidate @submit=${(e: Event) => void this.submit(e)} aria-describedby=${this.error ? 'desk-respond-error' : nothing}>
              <mx-schema-form .schema=${responseSchema as unknown as JsonSchema} area="desk" error-prefix="/body"></mx-schema-form>
              <button type="submit" class="primary" ?disabled=${this.state === 'sending'}>${this.state === 'sending' ? t('desk.form.sending') : t('desk.respond.submit')}</button>
            </form>`}`;
  }
}

customElements.define('mx-desk-respond', DeskRespond);
