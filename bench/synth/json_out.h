// Appends JSON to a string without building a document first. Segment
// output is millions of small objects; a DOM (nlohmann) spent most of its
// time in malloc and free. Strings are written as given (UTF-8) with the
// escapes RFC 8259 requires; the caller nests Begin/End correctly.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace seam::synth {

class JsonOut {
 public:
  explicit JsonOut(std::string& out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }

  void Key(std::string_view key) {
    Separate();
    Quoted(key);
    out_.push_back(':');
    after_key_ = true;
  }
  void String(std::string_view v) {
    Separate();
    Quoted(v);
  }
  void Int(int64_t v) {
    Separate();
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }
  void Bool(bool v) {
    Separate();
    out_ += v ? "true" : "false";
  }
  // A value rendered before (by another JsonOut).
  void Raw(std::string_view json) {
    Separate();
    out_.append(json);
  }

  void Field(std::string_view key, std::string_view v) {
    Key(key);
    String(v);
  }
  void FieldInt(std::string_view key, int64_t v) {
    Key(key);
    Int(v);
  }
  void FieldBool(std::string_view key, bool v) {
    Key(key);
    Bool(v);
  }

 private:
  void Open(char c) {
    Separate();
    out_.push_back(c);
    first_ = true;
  }
  void Close(char c) {
    out_.push_back(c);
    first_ = false;  // the container just closed is a value of the outer one
  }
  void Separate() {
    if (after_key_) {
      after_key_ = false;
    } else if (!first_) {
      out_.push_back(',');
    }
    first_ = false;
  }
  void Quoted(std::string_view s) {
    out_.push_back('"');
    for (char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"' || c == '\\') {
        out_.push_back('\\');
        out_.push_back(ch);
      } else if (c < 0x20) {
        static constexpr char kHex[] = "0123456789abcdef";
        out_ += "\\u00";
        out_.push_back(kHex[c >> 4]);
        out_.push_back(kHex[c & 0xF]);
      } else {
        out_.push_back(ch);
      }
    }
    out_.push_back('"');
  }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace seam::synth
