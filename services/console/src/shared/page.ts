/**
 * Base of every console element: light DOM (the global stylesheet, the browser's accessibility
 * tree and axe see everything), re-rendered when the language changes. Pages also get their route
 * parameters.
 */
import { LitElement } from 'lit';
import { onLanguageChange } from './i18n.ts';

export class MxElement extends LitElement {
  private offLanguage?: () => void;

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

export class MxPage extends MxElement {
  static override properties = { params: { attribute: false } };
  declare params: Record<string, string>;

  constructor() {
    super();
    this.params = {};
  }
}
