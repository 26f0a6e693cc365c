// Maps the fields of a user struct to CSV columns (by position) and JSON keys (by
// name), shared by the CSV and JSON-lines sources and sinks:
//
//   struct Txn { uint64_t card; double amount; std::string merchant; };
//   auto schema = sluice::RecordSchema<Txn>()
//                     .Field("card", &Txn::card)
//                     .Field("amount", &Txn::amount)
//                     .OptionalField("merchant", &Txn::merchant);
//
// Field types: integers (int8_t to uint64_t; not char), float, double, bool,
// std::string. Values are parsed strictly (field_codec.h). Copies are cheap: they
// share the (immutable) field bindings.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "io/field_codec.h"

namespace sluice {

// One field of T, type-erased so a schema can mix value types. A virtual call per
// field is small next to the text parsing it wraps.
template <class T>
class FieldBinding {
 public:
  FieldBinding(std::string name, ValueKind kind, bool required)
      : name_(std::move(name)), kind_(kind), required_(required) {}
  virtual ~FieldBinding() = default;

  const std::string& name() const { return name_; }
  ValueKind kind() const { return kind_; }
  // A required field must be present and not null (JSON), or non-empty unless it is
  // a string (CSV). An optional one keeps the struct's default value when absent.
  bool required() const { return required_; }

  // Parses `text` into the field of `record`; the error names the field.
  virtual absl::Status Parse(std::string_view text, T& record) const = 0;
  // The field's value as text; may point into `scratch`.
  virtual std::string_view Format(const T& record, std::string* scratch) const = 0;
  // The field's value as a JSON value (number, true/false or string).
  virtual void AppendJson(const T& record, std::string* out) const = 0;

 private:
  std::string name_;
  ValueKind kind_;
  bool required_;
};

// Non-empty, distinct field names; checked when a job using the schema is built.
absl::Status ValidateSchemaFieldNames(const std::vector<std::string>& names);

template <class T>
class RecordSchema {
 public:
  template <class V>
  RecordSchema& Field(std::string name, V T::*member) {
    return Add(std::move(name), member, /*required=*/true);
  }
  template <class V>
  RecordSchema& OptionalField(std::string name, V T::*member) {
    return Add(std::move(name), member, /*required=*/false);
  }

  size_t size() const { return fields_.size(); }
  const FieldBinding<T>& field(size_t i) const { return *fields_[i]; }
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const auto& field : fields_) names.push_back(field->name());
    return names;
  }
  absl::Status Validate() const { return ValidateSchemaFieldNames(Names()); }

 private:
  template <class V>
  class MemberField final : public FieldBinding<T> {
   public:
    MemberField(std::string name, V T::*member, bool required)
        : FieldBinding<T>(std::move(name), FieldCodec<V>::kKind, required),
          member_(member) {}

    absl::Status Parse(std::string_view text, T& record) const override {
      absl::Status status = FieldCodec<V>::Parse(text, record.*member_);
      if (status.ok()) return status;
      return absl::InvalidArgumentError(
          absl::StrCat("field '", this->name(), "': ", status.message()));
    }
    std::string_view Format(const T& record, std::string* scratch) const override {
      return FieldCodec<V>::Format(record.*member_, scratch);
    }
    void AppendJson(const T& record, std::string* out) const override {
      FieldCodec<V>::AppendJson(record.*member_, out);
    }

   private:
    V T::*member_;
  };

  template <class V>
  RecordSchema& Add(std::string name, V T::*member, bool required) {
    static_assert(SchemaValue<V>,
                  "RecordSchema::Field: the member must be an integer (not char), "
                  "float, double, bool or std::string");
    if constexpr (SchemaValue<V>) {  // spares the user errors after the assert's
      fields_.push_back(
          std::make_shared<const MemberField<V>>(std::move(name), member, required));
    }
    return *this;
  }

  std::vector<std::shared_ptr<const FieldBinding<T>>> fields_;
};

}  // namespace sluice
