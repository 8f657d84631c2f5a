import DOMPurify from 'dompurify';
import { Marked } from 'marked';
import { externalLink } from '../../../app/text/links';

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// A journal may come from someone else: HTML in notes is shown as the text that was typed, never parsed,
// and only links that open outside the app (http, https, mailto) become links; others keep their text.
const markdown = new Marked({ gfm: true });
markdown.use({
  renderer: {
    html: ({ text }) => escapeHtml(text),
    link({ href, title, tokens }) {
      const text = this.parser.parseInline(tokens);
      const url = externalLink(href);
      if (!url) return text;
      return `<a href="${escapeHtml(url)}"${title ? ` title="${escapeHtml(title)}"` : ''}>${text}</a>`;
    },
  },
});

/** Notes as safe HTML: markdown with raw HTML escaped, then sanitised in case something still slips through. */
export function renderMarkdown(source: string): string {
  return DOMPurify.sanitize(markdown.parse(source, { async: false }));
}
