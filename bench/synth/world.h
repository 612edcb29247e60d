// The generated world every writer draws from: persons (in households),
// stores, the product catalogue and the shared kiosks. Built once per
// Generator from the kWorld stream.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "synth.h"

namespace seam::synth {

struct Store {
  std::string id;     // "S001"
  std::string phone;  // the store's own mobile, typed on receipts of customers who give none
  uint16_t region = 0;
};

struct Product {
  std::string sku;       // "SKU-CL-00042"
  std::string name;      // "오버핏 티셔츠"
  std::string category;  // "의류"; one category holds a comma ("가구, 인테리어")
  uint32_t price = 0;    // KRW
};

struct Kiosk {
  std::string device_id;  // context.device.id, shared by everyone who logs in there
  uint16_t store = 0;
};

struct World {
  std::vector<Person> persons;
  std::vector<Store> stores;
  std::vector<Product> products;
  std::vector<Kiosk> kiosks;
  uint32_t households = 0;
};

World BuildWorld(const Options& options);

}  // namespace seam::synth
