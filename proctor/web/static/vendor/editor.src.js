// Source of editor.min.js: CodeMirror 6 with Python highlighting, exposed as window.ProctorEditor.
// Rebuild with ./build.sh. The page works without it: each file stays a plain <textarea>.
import {EditorView, basicSetup} from "codemirror";
import {EditorState, Prec} from "@codemirror/state";
import {keymap} from "@codemirror/view";
import {indentWithTab} from "@codemirror/commands";
import {python} from "@codemirror/lang-python";
import {indentUnit} from "@codemirror/language";

function mount(textarea, {onSubmit} = {}) {
  const readOnly = textarea.readOnly;
  const view = new EditorView({
    doc: textarea.value,
    extensions: [
      basicSetup,
      python(),
      // PEP 8 indents by four spaces; CodeMirror's default unit is two.
      indentUnit.of("    "),
      EditorState.tabSize.of(4),
      // Highest precedence: basicSetup binds Mod-Enter to "insert blank line", and we want "submit".
      Prec.highest(keymap.of([{key: "Mod-Enter", run: () => { if (onSubmit) onSubmit(); return true; }}])),
      keymap.of([indentWithTab]),
      EditorState.readOnly.of(readOnly),
      EditorView.editable.of(!readOnly),
      // Through the editor's own attributes: a class added to its DOM by hand is dropped at the next update.
      EditorView.editorAttributes.of({class: "cm-proctor"}),
      EditorView.contentAttributes.of({"aria-label": textarea.getAttribute("aria-label") || "code editor"}),
      EditorView.updateListener.of((update) => {
        if (!update.docChanged) return;
        // Keep the form field in step so a normal form post (and htmx) sends what the editor shows.
        textarea.value = update.state.doc.toString();
        textarea.dispatchEvent(new Event("input", {bubbles: true}));
      }),
    ],
  });
  textarea.hidden = true;
  textarea.insertAdjacentElement("afterend", view.dom);
  const setValue = (text) => {
    view.dispatch({changes: {from: 0, to: view.state.doc.length, insert: text}});
  };
  return {view, setValue};
}

window.ProctorEditor = {mount};
