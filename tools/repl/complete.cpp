#include "tools/repl/complete.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>
#include <set>

#include "stdlib/functions.h"

namespace cohort::repl {

namespace fs = std::filesystem;

namespace {

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }

const std::vector<std::string>& Commands() {
  static const std::vector<std::string> k = {".help",  ".schema", ".load",   ".segments", ".run",  ".explain", ".why", ".overlap", ".equity",
                                             ".sample", ".engine", ".timer", ".today",    ".save", ".quit",    ".exit"};
  return k;
}

const std::vector<std::string>& Keywords() {
  static const std::vector<std::string> k = {
      "use", "const", "define", "segment", "where", "exclude", "channel", "after", "if", "message", "cta", "purpose",
      "holdout", "export", "campaign", "priority", "and", "or", "not", "any", "all", "no", "in", "is", "missing",
      "present", "within", "last", "next", "before", "count", "min", "max", "for", "today", "now", "true", "false",
      "days", "weeks", "months", "years", "hours", "minutes", "variant", "goal"};
  return k;
}

void CollectPaths(const RecordDef& rec, const std::string& prefix, std::vector<std::string>& out, int depth) {
  for (const FieldDef& f : rec.fields) {
    std::string path = prefix.empty() ? f.name : prefix + "." + f.name;
    out.push_back(path);
    if (depth < 4 && f.type.record_def) CollectPaths(*f.type.record_def, path, out, depth + 1);
  }
}

void CollectLabels(const RecordDef& rec, std::set<std::string>& out, int depth) {
  for (const FieldDef& f : rec.fields) {
    if (f.type.enum_def)
      for (const auto& l : f.type.enum_def->labels) out.insert(l);
    if (depth < 4 && f.type.record_def) CollectLabels(*f.type.record_def, out, depth + 1);
  }
}

/// Quantifier variables in `text`: variable -> the list/set field it ranges over.
std::vector<std::pair<std::string, std::string>> QuantifierVars(const std::string& text) {
  static const std::regex kRe(R"((?:\b(?:any|all|no|for)\s+|\bcount\s*\(\s*)([A-Za-z_]\w*)\s+in\s+([A-Za-z_][\w.]*))");
  std::vector<std::pair<std::string, std::string>> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kRe); it != std::sregex_iterator(); ++it)
    out.emplace_back((*it)[1].str(), (*it)[2].str());
  return out;
}

/// The record a dotted head (`consent`, `e`, `events`) resolves to, or null.
const RecordDef* ResolveRecord(const std::string& head, const Schema& schema,
                               const std::vector<std::pair<std::string, std::string>>& vars) {
  const RecordDef* rec = schema.root.get();
  size_t pos = 0;
  bool first = true;
  while (rec && pos <= head.size()) {
    size_t dot = head.find('.', pos);
    std::string part = head.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    const RecordDef* next = nullptr;
    if (first) {
      for (auto it = vars.rbegin(); it != vars.rend() && !next; ++it)
        if (it->first == part) next = ResolveRecord(it->second, schema, {});
    }
    if (!next) {
      int i = rec->Find(part);
      if (i < 0) return nullptr;
      next = rec->fields[i].type.record_def.get();
    }
    rec = next;
    first = false;
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return rec;
}

std::vector<std::string> Files(const std::string& word) {
  std::vector<std::string> out;
  std::string dir = ".", base = word;
  size_t slash = word.rfind('/');
  if (slash != std::string::npos) {
    dir = slash == 0 ? "/" : word.substr(0, slash);
    base = word.substr(slash + 1);
  }
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(base, 0) != 0 || (name[0] == '.' && base.empty())) continue;
    std::string full = slash == std::string::npos ? name : word.substr(0, slash + 1) + name;
    if (e.is_directory(ec)) full += "/";
    out.push_back(full);
  }
  return out;
}

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

std::string CommonPrefix(const std::vector<std::string>& c) {
  if (c.empty()) return "";
  std::string p = c[0];
  for (const auto& s : c) {
    size_t i = 0;
    while (i < p.size() && i < s.size() && p[i] == s[i]) ++i;
    p.resize(i);
  }
  return p;
}

Completion Complete(std::string_view pending, std::string_view line, const Schema& schema, const SessionNames& names) {
  Completion out;
  std::vector<std::string> pool;
  size_t first = 0;
  while (first < line.size() && std::isspace(static_cast<unsigned char>(line[first]))) ++first;
  size_t start = line.size();
  while (start > 0 && IsWordChar(line[start - 1])) --start;
  const bool command_line = pending.empty() && first < line.size() && line[first] == '.';

  if (command_line) {
    std::vector<std::string> words = Words(line);
    bool at_arg_start = !line.empty() && std::isspace(static_cast<unsigned char>(line.back()));
    size_t arg_index = words.size() - (at_arg_start ? 0 : 1);  // 0 = the command itself
    if (arg_index == 0) {
      start = first;
      pool = Commands();
    } else {
      const std::string& cmd = words[0];
      if (cmd == ".load" || cmd == ".save") {
        start = line.rfind(' ') + 1;
        pool = Files(std::string(line.substr(start)));
      } else if (cmd == ".schema" && arg_index == 1) {
        CollectPaths(*schema.root, "", pool, 0);
      } else if (((cmd == ".run" || cmd == ".explain" || cmd == ".sample" || cmd == ".equity") && arg_index == 1) ||
                 cmd == ".overlap" ||
                 (cmd == ".why" && arg_index == 2)) {
        pool = names.segments;
      } else if (cmd == ".sample" && arg_index >= 2) {
        size_t comma = line.rfind(',');
        size_t space = line.rfind(' ');
        start = (comma != std::string_view::npos && comma > space ? comma : space) + 1;
        for (const auto& c : schema.columns)
          if (!c.sensitive && c.type.is_scalar()) pool.push_back(c.path);
      } else if (cmd == ".engine" && arg_index == 1) {
        pool = {"interp", "jit"};
      } else if (cmd == ".timer" && arg_index == 1) {
        pool = {"on", "off"};
      }
    }
  } else {
    std::string word(line.substr(start));
    // Words before the one being completed (across the pending lines).
    std::string context = std::string(pending) + "\n" + std::string(line.substr(0, start));
    std::vector<std::string> before = Words(context);
    std::string prev = before.empty() ? "" : before.back();
    std::string prev2 = before.size() >= 2 ? before[before.size() - 2] : "";
    auto vars = QuantifierVars(std::string(pending) + "\n" + std::string(line));
    size_t dot = word.rfind('.');
    if (dot != std::string::npos) {
      std::string head = word.substr(0, dot);
      if (const RecordDef* rec = ResolveRecord(head, schema, vars))
        for (const auto& f : rec->fields) pool.push_back(head + "." + f.name);
    } else if (prev == "segment" && prev2 == "in") {
      pool = names.segments;
    } else if (prev == "priority" || (prev.size() > 1 && prev.back() == ',' && context.find("priority") != std::string::npos)) {
      pool = names.segments;
    } else if (prev == "channel") {
      for (const auto& c : schema.channels) pool.push_back(c.name);
    } else if (prev == "purpose") {
      pool = {"marketing", "operations", "treatment"};
    } else if (prev == "segment" || prev == "define" || prev == "const" || prev == "campaign") {
      // a new name: nothing to complete
    } else {
      for (const auto& f : schema.root->fields) pool.push_back(f.name);
      for (const auto& v : vars) pool.push_back(v.first);
      pool.insert(pool.end(), names.consts.begin(), names.consts.end());
      pool.insert(pool.end(), names.defines.begin(), names.defines.end());
      for (const auto& fn : AllFunctions()) pool.emplace_back(fn.name);
      pool.insert(pool.end(), Keywords().begin(), Keywords().end());
      std::set<std::string> labels;
      CollectLabels(*schema.root, labels, 0);
      pool.insert(pool.end(), labels.begin(), labels.end());
    }
  }
  std::string typed(line.substr(start));
  std::set<std::string> unique;
  for (auto& c : pool)
    if (c.rfind(typed, 0) == 0 && c.rfind("__", 0) != 0) unique.insert(c);
  out.start = start;
  out.candidates.assign(unique.begin(), unique.end());
  return out;
}

}  // namespace cohort::repl
