-- Real-client test: Neovim 0.7.2 (vim.lsp.start_client + request_sync) talks
-- to `cohort lsp` over stdio. Opens a segment file with mistakes and checks
-- diagnostics, hover, completion, definition and formatting.
-- Run: COHORT_BIN=build/cohort nvim --headless -n -u NONE -i NONE -c 'luafile tests/lsp/nvim_test.lua'
-- Exits 0 on success, non-zero (cquit) on any failure or after a timeout.

local bin = os.getenv('COHORT_BIN') or 'cohort'
local failures = {}

local function fail(msg) table.insert(failures, msg) end
local function finish()
  if #failures == 0 then
    io.stdout:write('nvim_test: ok\n')
    vim.cmd('qall!')
  else
    io.stderr:write('nvim_test: FAILED\n' .. table.concat(failures, '\n') .. '\n')
    vim.cmd('cquit 1')
  end
end

-- A hard timeout, whatever happens.
vim.defer_fn(function()
  io.stderr:write('nvim_test: timeout\n')
  vim.cmd('cquit 2')
end, 60000)

local ok, err = pcall(function()
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, 'p')
  local path = dir .. '/outreach.cohort'
  local lines = {
    'use Patient',
    'define adult = age >= 18',
    '',
    'segment  Spanish  "Spanish speakers"  where adult and langauge == "es"',
    '  channel sms',
    '',
    'segment Other where adult and consent.sms == true and not in segment Spanish',
    '  channel email if consent',
  }
  vim.fn.writefile(lines, path)
  vim.cmd('edit ' .. path)
  local buf = vim.api.nvim_get_current_buf()

  local client_id = vim.lsp.start_client({
    name = 'cohort',
    cmd = { bin, 'lsp' },
    root_dir = dir,
  })
  if not client_id then error('cannot start `' .. bin .. ' lsp`') end
  vim.lsp.buf_attach_client(buf, client_id)
  local client = vim.lsp.get_client_by_id(client_id)
  if not vim.wait(10000, function() return client.initialized end, 20) then error('initialize timed out') end

  -- Diagnostics: the misspelt field and the channel without consent.
  local function codes()
    local out = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
      if code then out[code] = d end
    end
    return out
  end
  vim.wait(10000, function() local c = codes(); return c['E0101'] ~= nil and c['E0301'] ~= nil end, 20)
  local c = codes()
  if not c['E0101'] then fail('no E0101 diagnostic for `langauge`')
  elseif not c['E0101'].message:find('did you mean `language`', 1, true) then fail('E0101 message: ' .. c['E0101'].message)
  elseif c['E0101'].lnum ~= 3 then fail('E0101 on line ' .. c['E0101'].lnum) end
  if not c['E0301'] then fail('no E0301 diagnostic for the channel without consent') end

  local uri = vim.uri_from_bufnr(buf)
  local function request(method, params)
    params.textDocument = { uri = uri }
    local resp, e = client.request_sync(method, params, 10000, buf)
    if not resp then fail(method .. ': ' .. tostring(e)); return nil end
    if resp.err then fail(method .. ': ' .. vim.inspect(resp.err)); return nil end
    return resp.result
  end

  -- Hover on `consent.sms` (line 7, 0-based 6): type and description.
  local l7 = lines[7]
  local col = l7:find('sms', 1, true) - 1
  local hover = request('textDocument/hover', { position = { line = 6, character = col } })
  local value = hover and hover.contents and hover.contents.value or ''
  if not value:find('consent.sms: bool?', 1, true) then fail('hover: ' .. vim.inspect(hover)) end

  -- Completion after `consent.`: the consent flags.
  local comp = request('textDocument/completion', { position = { line = 6, character = col } })
  local labels = {}
  for _, item in ipairs((comp and (comp.items or comp)) or {}) do labels[item.label] = true end
  for _, want in ipairs({ 'sms', 'email', 'phone', 'portal', 'mail' }) do
    if not labels[want] then fail('completion lacks `' .. want .. '`: ' .. vim.inspect(vim.tbl_keys(labels))) end
  end

  -- Definition of `adult` (line 7) goes to its define on line 2.
  local acol = l7:find('adult', 1, true)
  local def = request('textDocument/definition', { position = { line = 6, character = acol } })
  local loc = def and (def.range and def or def[1])
  if not loc or loc.range.start.line ~= 1 or loc.range.start.character ~= 7 then
    fail('definition: ' .. vim.inspect(def))
  end

  -- Formatting: apply the edits and check the canonical layout.
  local edits = request('textDocument/formatting', { options = { tabSize = 2, insertSpaces = true } })
  if not edits or #edits == 0 then
    fail('formatting returned no edits')
  else
    vim.lsp.util.apply_text_edits(edits, buf, 'utf-16')
    local got = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
    local want = {
      'use Patient',
      '',
      'define adult = age >= 18',
      '',
      'segment Spanish "Spanish speakers"',
      '  where adult and langauge == "es"',
      '  channel sms',
      '',
      'segment Other',
      '  where adult and consent.sms == true and not in segment Spanish',
      '  channel email if consent',
    }
    if table.concat(got, '\n') ~= table.concat(want, '\n') then
      fail('formatted buffer:\n' .. table.concat(got, '\n'))
    end
  end

  client.stop()
  vim.wait(5000, function() return client.is_stopped() end, 20)
end)
if not ok then fail('error: ' .. tostring(err)) end
finish()
