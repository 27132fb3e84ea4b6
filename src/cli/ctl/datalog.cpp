// ctl datalog pull: every record the Tap holds, dequeued (POST /1031//11 answers `u64 seq ‖ record`
// and removes it; no data: the queue is empty). Records are the runtime's JSON
// ({"serial","time","bundle","bundle_id","values":{...}}): printed one per line, or as CSV with
// --csv FILE (time, bundle, then one column per variable of the project that appears).
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

#include "context.hpp"
#include "outcome.hpp"
#include "tap/object_model.hpp"

namespace tapmq::cli::ctl {

namespace {

std::string csv_cell(const nlohmann::ordered_json& v) {
    if (v.is_null()) return "";
    std::string s = v.is_string() ? v.get<std::string>() : v.dump();
    if (s.find_first_of(",\"\n") != std::string::npos) {
        std::string q = "\"";
        for (char ch : s)
            q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        return q + "\"";
    }
    return s;
}

}  // namespace

int ctl_datalog_pull(Context& c) {
    std::vector<nlohmann::ordered_json> records;
    std::FILE* out = c.out;
    for (;;) {
        const auto r = c.tap.expect({tap::Method::Post, tap::paths::kDatalogDequeue, {}},
                                    "POST datalog dequeue (needs read rights on every logged bundle)");
        if (r.data.empty()) break;
        if (r.data.size() < 8)
            throw CtlError(kCtlTapError, "a datalog answer of " + std::to_string(r.data.size()) + " bytes");
        const std::string body = r.data.substr(8);
        auto j = nlohmann::ordered_json::parse(body, nullptr, false);
        if (!c.args.csv) {
            std::fwrite(body.data(), 1, body.size(), out);
            std::fputc('\n', out);
            std::fflush(out);
        }
        if (!j.is_discarded()) records.push_back(std::move(j));
        if (c.session.interrupted()) break;
    }
    if (c.args.csv) {
        std::vector<std::string> columns;
        std::set<std::string> seen;
        for (const auto& v : c.project.variables()) {
            for (const auto& rec : records) {
                if (rec.contains("values") && rec["values"].contains(v.name)) {
                    columns.push_back(v.name);
                    break;
                }
            }
        }
        std::ofstream f(*c.args.csv, std::ios::trunc);
        f << "time,bundle";
        for (const auto& col : columns)
            f << "," << col;
        f << "\n";
        for (const auto& rec : records) {
            f << csv_cell(rec.value("time", nlohmann::ordered_json())) << ","
              << csv_cell(rec.value("bundle", nlohmann::ordered_json()));
            for (const auto& col : columns) {
                f << ",";
                if (rec.contains("values") && rec["values"].contains(col)) f << csv_cell(rec["values"][col]);
            }
            f << "\n";
        }
        if (!f.flush()) throw CtlError(kCtlBadInput, "cannot write " + *c.args.csv);
    }
    std::fprintf(stderr, "%zu datalog records pulled from %s\n", records.size(), c.tap.serial().c_str());
    return kCtlOk;
}

}  // namespace tapmq::cli::ctl
