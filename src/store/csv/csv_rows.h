// A record as a row of its §5.1 file, in the form `psql \copy ... WITH CSV` writes it: NULL as an
// empty unquoted field, timestamps as psql prints them, numbers as PostgreSQL prints them, a
// location as its lng and lat columns. The caller ends the record (CsvWriter::EndRecord).
#pragma once

#include "domain/model.h"
#include "store/csv/csv_format.h"

namespace vdpark {

void WriteRow(CsvWriter& w, const Zone& z);
void WriteRow(CsvWriter& w, const Bay& b);
void WriteRow(CsvWriter& w, const Sensor& s);
void WriteRow(CsvWriter& w, const ParkingEvent& e);

}  // namespace vdpark
