/**
 * `#/message/<id>/respond`: answering a received victim notice with a status update, its fields
 * drawn from schemas/repatriation-status-update.v1.json. The gateway addresses the answer to the
 * notice's sender in the notice's case; on 202 the case timeline opens.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { api, idempotencyKey, ProblemError } from '../shared/api.ts';
import { t } from '../shared/i18n.ts';
import { MxPage } from '../shared/page.ts';
import { link, navigate } from '../shared/router.ts';
import type { MxSchemaForm } from '../shared/schema-form.ts';
import '../shared/schema-form.ts';
import './officer.css';
import { caseLink, endpointText, failureText, STATUS_UPDATE, typeText, type MessageLifecycle, type Schemas } from './view.ts';

export class OfficerRespond extends MxPage {
  static override properties = {
    ...MxPage.properties,
    original: { state: true },
    failure: { state: true },
    busy: { state: true },
  };
  declare original: MessageLifecycle | undefined;
  declare failure: string | undefined;
  declare busy: boolean;
  private key = idempotencyKey();
  private loadedFor = '';

  constructor() {
    super();
    this.original = undefined;
    this.failure = undefined;
    this.busy = false;
  }

  protected override willUpdate(): void {
    const id = this.params.id ?? '';
    if (id !== this.loadedFor) {
      this.loadedFor = id;
      // The lifecycle, not the inbox item: looking at the answer form is not another access to the notice.
      api<MessageLifecycle>(`/v1/messages/${encodeURIComponent(id)}`).then(
        (m) => (this.original = m),
        (err: unknown) => (this.failure = failureText(err)),
      );
    }
  }

  private async submit(e: Event): Promise<void> {
    e.preventDefault();
    if (this.busy) return;
    const form = this.querySelector<MxSchemaForm>('mx-schema-form')!;
    this.busy = true;
    this.failure = undefined;
    form.showErrors([]);
    const id = this.params.id ?? '';
    try {
      const accepted = await api<Schemas['SubmitAccepted']>(`/v1/inbox/${encodeURIComponent(id)}/responses`, {
        method: 'POST',
        body: { type: 'repatriation-status-update', body: form.value },
        headers: { 'idempotency-key': this.key },
      });
      this.key = idempotencyKey();
      const caseRef = accepted.caseRef ?? this.original?.caseRef;
      if (caseRef) navigate('/case/:caseRef', { caseRef });
      else navigate('/message/:id', { id });
    } catch (err) {
      this.failure = failureText(err);
      if (err instanceof ProblemError) form.showErrors(err.errors);
      await this.updateComplete;
      await form.updateComplete;
      (this.querySelector<HTMLElement>('[aria-invalid="true"]') ?? this.querySelector<HTMLElement>('#respond-problem'))?.focus();
    } finally {
      this.busy = false;
    }
  }

  override render(): TemplateResult {
    const id = this.params.id ?? '';
    const o = this.original;
    return html`<h1 tabindex="-1">${t('officer.respond.title')}</h1>
      ${o
        ? html`<p>${t('officer.respond.intro', { type: typeText(o.type), from: endpointText(o.from) })} ${caseLink(o.caseRef)} · <a href=${link('/message/:id', { id })}>${t('officer.message.original')}</a></p>`
        : nothing}
      <form id="respond" novalidate @submit=${(e: Event) => void this.submit(e)}>
        ${this.failure ? html`<p class="error problem" id="respond-problem" role="alert" tabindex="-1">${this.failure}</p>` : nothing}
        <mx-schema-form .schema=${STATUS_UPDATE} area="officer" error-prefix="/body"></mx-schema-form>
        <p class="actions"><button type="submit" class="primary" id="respond-send" ?disabled=${this.busy}>${t('officer.respond.send')}</button>
          ${this.busy ? html`<span role="status">${t('officer.compose.sending')}</span>` : nothing}</p>
      </form>`;
  }
}

customElements.define('mx-officer-respond', OfficerRespond);
