// The Cohort VS Code extension: starts `cohort lsp` (stdio) for .cohort files.
// Everything else (diagnostics, hover, completion, formatting, code actions,
// semantic tokens) comes from the server.
'use strict';
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration('cohort').get('path') || 'cohort';
  const serverOptions = {
    run: { command, args: ['lsp'], transport: TransportKind.stdio },
    debug: { command, args: ['lsp'], transport: TransportKind.stdio },
  };
  const clientOptions = {
    documentSelector: [{ scheme: 'file', language: 'cohort' }, { scheme: 'untitled', language: 'cohort' }],
  };
  client = new LanguageClient('cohort', 'Cohort', serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
