// What the two programs say about a command line they cannot parse: which word went
// wrong, what was probably meant, and what the command takes instead of CLI11's
// "A subcommand is required", in the process's language (i18n.h). Header-only over
// CLI11, which both programs link; the i18n library itself does not.
#pragma once

#include <CLI/App.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/suggest.h"
#include "i18n/i18n.h"
#include "i18n/width.h"

namespace lovebank::cli {

// The names of `app`'s commands, aliases included, in the order they were added.
inline std::vector<std::string> CommandNames(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
    for (const auto& alias : sub->get_aliases()) names.push_back(alias);
  }
  return names;
}

// The command of `app` named `word` (or one of its aliases), if any.
inline const CLI::App* FindCommand(const CLI::App& app, const std::string& word) {
  auto found = app.get_subcommands([&](const CLI::App* sub) { return sub->check_name(word); });
  return found.empty() ? nullptr : found.front();
}

// "lovebank member enrol" for the command `enrol` of `member`.
inline std::string CommandPath(const CLI::App* cmd) {
  std::string path;
  for (; cmd != nullptr; cmd = cmd->get_parent()) {
    path = path.empty() ? cmd->get_name() : cmd->get_name() + " " + path;
  }
  return path;
}

struct Misstep {
  const CLI::App* reached = nullptr;  // the deepest command the words named
  const CLI::App* where = nullptr;    // the same if the fault is in the commands, else null
  std::string word;                   // the first word naming none of its commands; "" if none
};

// Where a command line went wrong, if the fault is in its commands: `where` is null when
// the words reach a command that takes arguments (then the fault is an option or an
// argument, which CLI11's own message explains). Options are skipped, with the value
// they take.
inline Misstep FindMisstep(const CLI::App& app, const std::vector<std::string>& args) {
  const CLI::App* cur = &app;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") break;
    if (a.size() > 1 && a[0] == '-') {
      if (a.find('=') != std::string::npos) continue;
      for (const CLI::App* at = cur; at != nullptr; at = at->get_parent()) {
        if (const CLI::Option* opt = at->get_option_no_throw(a)) {
          if (opt->get_items_expected_min() > 0) ++i;
          break;
        }
      }
      continue;
    }
    if (CommandNames(*cur).empty()) return {cur, nullptr, ""};
    const CLI::App* next = FindCommand(*cur, a);
    if (next == nullptr) return {cur, cur, a};
    cur = next;
  }
  if (CommandNames(*cur).empty()) return {cur, nullptr, ""};
  return {cur, cur, ""};
}

// How to ask for the help of `cmd`: `help` ("lovebank help") and the command's path
// without the program's name.
inline std::string HelpFor(const CLI::App& cmd, const std::string& help) {
  const std::string path = CommandPath(&cmd);
  const auto space = path.find(' ');
  return space == std::string::npos ? help : help + " " + path.substr(space + 1);
}

// The commands of `cmd`, for a person: "enrol, list, update".
inline std::string CommandList(const CLI::App& cmd) {
  std::string out;
  for (const CLI::App* sub : cmd.get_subcommands([](const CLI::App*) { return true; })) {
    if (!out.empty()) out += ", ";
    out += sub->get_name();
  }
  return out;
}

// A sentence for a command line that names no command, or a command that does not
// exist; nullopt if the fault lies elsewhere. `help` is how to ask for help
// ("lovebank help", "lovebank-node --help").
inline std::optional<std::string> ExplainMisstep(const CLI::App& app,
                                                 const std::vector<std::string>& args,
                                                 const std::string& help) {
  Misstep m = FindMisstep(app, args);
  if (m.where == nullptr) return std::nullopt;
  const std::string path = CommandPath(m.where);
  const std::string more = HelpFor(*m.where, help);
  if (m.word.empty()) {
    return i18n::F("`{}` needs a command: {}. See `{}`.", path, CommandList(*m.where), more);
  }
  if (auto meant = Nearest(m.word, CommandNames(*m.where))) {
    if (const CLI::App* sub = FindCommand(*m.where, *meant)) {
      return i18n::F("`{}` is not a command of `{}`; did you mean `{}`?", m.word, path,
                     CommandPath(sub));
    }
  }
  return i18n::F("`{}` is not a command of `{}`. Its commands: {}. See `{}`.", m.word, path,
                 CommandList(*m.where), more);
}

// CLI11's sentence for a parse error, in the process's language: the common errors
// (an option missing, a value missing, words left over) are said again in a sentence of
// the catalogue; any other keeps CLI11's English.
inline std::string DescribeParseError(const CLI::ParseError& e) {
  const std::string what = e.what();
  const std::string name = e.get_name();
  auto ends = [&](std::string_view tail) {
    return what.size() > tail.size() &&
           what.compare(what.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (name == "RequiredError" && ends(" is required")) {
    return i18n::F("{} is required", what.substr(0, what.size() - 12));
  }
  if (name == "ExtrasError") {
    auto colon = what.find(": ");
    return i18n::F("these words were not expected: {}",
                   colon == std::string::npos ? what : what.substr(colon + 2));
  }
  if (name == "ArgumentMismatch") {
    auto colon = what.find(':');
    return i18n::F("{} needs a value", colon == std::string::npos ? what : what.substr(0, colon));
  }
  if (name == "ConversionError") {
    auto colon = what.find(": ");
    return i18n::F("cannot read {}", colon == std::string::npos ? what : what.substr(colon + 2));
  }
  return what;
}

// The language of everything a program says: --lang LANG (or --lang=LANG) anywhere
// before "--", else LC_ALL, LC_MESSAGES or LANG. Read before the commands are built,
// since their help is written in it.
inline i18n::Lang ChooseLanguage(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size() && args[i] != "--"; ++i) {
    std::string value;
    if (args[i] == "--lang" && i + 1 < args.size()) value = args[i + 1];
    if (args[i].rfind("--lang=", 0) == 0) value = args[i].substr(7);
    if (!value.empty()) return i18n::ParseLang(value).value_or(i18n::FromEnvironment());
  }
  return i18n::FromEnvironment();
}

// CLI11's help with its columns measured in terminal columns, not bytes: "必需" is six
// bytes and four columns, so CLI11's std::setw left Chinese lines short.
class DisplayWidthFormatter : public CLI::Formatter {
 public:
  std::string make_option(const CLI::Option* opt, bool is_positional) const override {
    return Row(make_option_name(opt, is_positional) + make_option_opts(opt), make_option_desc(opt));
  }

 private:
  std::string Row(const std::string& left, const std::string& description) const {
    const std::size_t column = get_column_width();
    const std::string indent(column, ' ');
    std::string out = "  " + left;
    const std::size_t used = 2 + i18n::DisplayWidth(left);
    if (!description.empty()) {
      out += used >= column ? "\n" + indent : std::string(column - used, ' ');
      for (char c : description) {
        out += c;
        if (c == '\n') out += indent;
      }
    }
    return out + "\n";
  }
};

// Help in the process's language: CLI11's labels and group names from the catalogue.
// Call before adding options and commands (they take their group when added).
inline void TranslateHelp(CLI::App& app) {
  app.formatter(std::make_shared<DisplayWidthFormatter>());
  auto formatter = app.get_formatter();
  formatter->label("Usage", i18n::T("Usage"));
  formatter->label("OPTIONS", i18n::T("OPTIONS"));
  formatter->label("SUBCOMMAND", i18n::T("COMMAND"));
  formatter->label("SUBCOMMANDS", i18n::T("COMMANDS"));
  formatter->label("REQUIRED", i18n::T("REQUIRED"));
  formatter->label("Positionals", i18n::T("Positionals"));
  formatter->label("Env", i18n::T("Env"));
  app.option_defaults()->group(i18n::T("Options"));
  app.set_help_flag("-h,--help", i18n::T("print this help and exit"));
}

// Every command under `app` listed under one translated heading instead of CLI11's
// "Subcommands". Call after the commands are added.
inline void GroupCommands(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    sub->group(i18n::T("Commands"));
    // A command's own -h,--help is made before it copies the option defaults, so it
    // would stay under CLI11's English "Options".
    if (CLI::Option* help = sub->get_help_ptr()) help->group(i18n::T("Options"));
    GroupCommands(*sub);
  }
}

}  // namespace lovebank::cli
