/**
 * Base of every console page: light DOM (the global stylesheet, the browser's accessibility tree
 * and axe see everything), re-rendered when the language changes, given its route parameters.
 */
import { LitElement } from 'lit';
import { onLanguageChange } from './i18n.ts';

export class MxPage extends LitElement {
  static override properties = { params: { attribute: false } };
  declare params: Record<string, string>;
  private offLanguage?: () => void;

  constructor() {
    super();
    this.params = {};
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.offLanguage = onLanguageChange(() => this.requestUpdate());
  }

  override disconnectedCallback(): void {
    this.offLanguage?.();
    super.disconnectedCallback();
  }
}
