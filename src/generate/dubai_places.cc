#include "generate/dubai_places.h"

namespace vdpark::generate {

namespace {

using K = ZoneKind;
using Street = std::string_view;

// Operator indexes into kOperators.
constexpr int kRta = 0, kEmaar = 1, kNakheel = 2, kMeraas = 3, kDubaiHolding = 4, kDmcc = 5,
              kMajidAlFuttaim = 6, kWasl = 7;

constexpr std::string_view kOperators[] = {
    "rta", "emaar", "nakheel", "meraas", "dubai-holding", "dmcc", "majid-al-futtaim", "wasl",
};

constexpr DubaiPlace kDowntownPlaces[] = {{"Dubai Mall Grand Parking", K::kMall},
                                          {"Dubai Mall Fashion Parking", K::kMall},
                                          {"Burj Khalifa Boulevard", K::kStreet},
                                          {"Souk Al Bahar", K::kLeisure},
                                          {"Dubai Opera", K::kLeisure}};
constexpr Street kDowntownStreets[] = {"Sheikh Mohammed bin Rashid Boulevard",
                                       "Financial Centre Road", "Burj Khalifa Street"};

constexpr DubaiPlace kMarinaPlaces[] = {{"Dubai Marina Walk", K::kLeisure},
                                        {"Marina Mall", K::kMall},
                                        {"Dubai Marina Promenade", K::kResidential},
                                        {"Dubai Marina Yacht Club", K::kLeisure}};
constexpr Street kMarinaStreets[] = {"Al Marsa Street", "King Salman bin Abdulaziz Al Saud Street",
                                     "Al Sufouh Road"};

constexpr DubaiPlace kJbrPlaces[] = {
    {"JBR The Walk", K::kLeisure}, {"The Beach JBR", K::kLeisure}, {"JBR Murjan", K::kResidential}};
constexpr Street kJbrStreets[] = {"The Walk", "Al Mamsha Street"};

constexpr DubaiPlace kBusinessBayPlaces[] = {{"Bay Avenue", K::kOffice},
                                             {"Business Bay Executive Towers", K::kOffice},
                                             {"Bay Square", K::kOffice},
                                             {"Business Bay Marasi Drive", K::kStreet}};
constexpr Street kBusinessBayStreets[] = {"Marasi Drive", "Al Abraj Street", "Al Khail Road"};

constexpr DubaiPlace kDeiraPlaces[] = {{"Deira Gold Souk", K::kStreet},
                                       {"Al Ghurair Centre", K::kMall},
                                       {"Deira City Centre", K::kMall},
                                       {"Al Rigga", K::kStreet},
                                       {"Baniyas Square", K::kStreet}};
constexpr Street kDeiraStreets[] = {"Al Rigga Road", "Baniyas Road", "Salah Al Din Street",
                                    "Al Maktoum Road"};

constexpr DubaiPlace kBurDubaiPlaces[] = {{"Al Fahidi", K::kStreet},
                                          {"Meena Bazaar", K::kStreet},
                                          {"BurJuman", K::kMall},
                                          {"Bur Dubai Souk", K::kStreet}};
constexpr Street kBurDubaiStreets[] = {"Al Fahidi Street", "Khalid bin Al Waleed Road",
                                       "Al Mankhool Road"};

constexpr DubaiPlace kBarshaPlaces[] = {{"Mall of the Emirates", K::kMall},
                                        {"Al Barsha Pond Park", K::kLeisure},
                                        {"Al Barsha 1", K::kResidential}};
constexpr Street kBarshaStreets[] = {"Sheikh Zayed Road", "Umm Suqeim Street"};

constexpr DubaiPlace kDifcPlaces[] = {{"DIFC Gate Village", K::kOffice},
                                      {"DIFC Gate Avenue", K::kOffice},
                                      {"Index Tower", K::kOffice}};
constexpr Street kDifcStreets[] = {"Al Saada Street", "Financial Centre Road",
                                   "Al Mustaqbal Street"};

constexpr DubaiPlace kJumeirahPlaces[] = {{"La Mer", K::kLeisure},
                                          {"Kite Beach", K::kLeisure},
                                          {"Jumeirah Beach Road", K::kStreet},
                                          {"City Walk", K::kMall}};
constexpr Street kJumeirahStreets[] = {"Jumeirah Beach Road", "Al Wasl Road",
                                       "2nd December Street"};

constexpr DubaiPlace kKaramaPlaces[] = {
    {"Karama Centre", K::kStreet}, {"Karama Park", K::kResidential}, {"Karama Market", K::kStreet}};
constexpr Street kKaramaStreets[] = {"Sheikh Khalifa bin Zayed Street", "Kuwait Road"};

constexpr DubaiPlace kPalmPlaces[] = {{"Nakheel Mall", K::kMall},
                                      {"The Pointe", K::kLeisure},
                                      {"Palm West Beach", K::kLeisure},
                                      {"Shoreline Apartments", K::kResidential}};
constexpr Street kPalmStreets[] = {"Palm Jumeirah Road", "Crescent Road"};

constexpr DubaiPlace kJltPlaces[] = {
    {"JLT Cluster D", K::kOffice}, {"JLT Cluster T", K::kResidential}, {"Almas Tower", K::kOffice}};
constexpr Street kJltStreets[] = {"Cluster Road", "Sheikh Zayed Road"};

constexpr DubaiPlace kJvcPlaces[] = {{"Circle Mall", K::kMall},
                                     {"JVC District 12", K::kResidential},
                                     {"JVC District 15", K::kResidential}};
constexpr Street kJvcStreets[] = {"Hessa Street", "Al Khail Road"};

constexpr DubaiPlace kInternetCityPlaces[] = {{"Dubai Internet City", K::kOffice},
                                              {"Dubai Media City", K::kOffice}};
constexpr Street kInternetCityStreets[] = {"Al Sufouh Road", "Sheikh Zayed Road"};

constexpr DubaiPlace kQuozPlaces[] = {{"Alserkal Avenue", K::kLeisure},
                                      {"Al Quoz Industrial 3", K::kStreet},
                                      {"Al Khail Gate", K::kResidential}};
constexpr Street kQuozStreets[] = {"Al Asayel Street", "Al Manara Road"};

constexpr DubaiPlace kMirdifPlaces[] = {{"City Centre Mirdif", K::kMall},
                                        {"Uptown Mirdif", K::kMall},
                                        {"Mirdif Villas", K::kResidential}};
constexpr Street kMirdifStreets[] = {"Algeria Street", "Tripoli Street"};

constexpr DubaiPlace kSiliconOasisPlaces[] = {{"Silicon Oasis HQ", K::kOffice},
                                              {"Cedre Villas", K::kResidential}};
constexpr Street kSiliconOasisStreets[] = {"Dubai-Al Ain Road", "Silicon Oasis Boulevard"};

constexpr DubaiPlace kSatwaPlaces[] = {{"Satwa Roundabout", K::kStreet},
                                       {"Al Diyafah", K::kStreet}};
constexpr Street kSatwaStreets[] = {"Al Diyafah Street", "Al Satwa Road"};

constexpr DubaiPlace kOudMethaPlaces[] = {{"Wafi City", K::kMall},
                                          {"Dubai Healthcare City", K::kOffice}};
constexpr Street kOudMethaStreets[] = {"Oud Metha Road", "Umm Hurair Road"};

constexpr DubaiPlace kFestivalCityPlaces[] = {{"Festival City Mall", K::kMall},
                                              {"Festival Bay", K::kLeisure}};
constexpr Street kFestivalCityStreets[] = {"Crescent Drive", "Festival Boulevard"};

constexpr DubaiPlace kZaabeelPlaces[] = {{"Dubai Frame", K::kLeisure},
                                         {"Za'abeel Park Gate 1", K::kLeisure}};
constexpr Street kZaabeelStreets[] = {"Sheikh Rashid Road", "Za'abeel Road"};

// Centres from the neighbourhoods' published coordinates; radii keep zones inside them.
constexpr DubaiArea kAreas[] = {
    {"Downtown Dubai", 25.1972, 55.2744, 0.008, kEmaar, 1.4, kDowntownPlaces, kDowntownStreets},
    {"Dubai Marina", 25.0805, 55.1403, 0.007, kEmaar, 1.3, kMarinaPlaces, kMarinaStreets},
    {"JBR", 25.0780, 55.1336, 0.004, kMeraas, 0.9, kJbrPlaces, kJbrStreets},
    {"Business Bay", 25.1866, 55.2637, 0.008, kDubaiHolding, 1.2, kBusinessBayPlaces,
     kBusinessBayStreets},
    {"Deira", 25.2697, 55.3095, 0.010, kRta, 1.3, kDeiraPlaces, kDeiraStreets},
    {"Bur Dubai", 25.2585, 55.2970, 0.008, kRta, 1.1, kBurDubaiPlaces, kBurDubaiStreets},
    {"Al Barsha", 25.1125, 55.1967, 0.008, kMajidAlFuttaim, 1.0, kBarshaPlaces, kBarshaStreets},
    {"DIFC", 25.2116, 55.2797, 0.004, kDubaiHolding, 0.8, kDifcPlaces, kDifcStreets},
    {"Jumeirah", 25.2048, 55.2420, 0.010, kMeraas, 1.0, kJumeirahPlaces, kJumeirahStreets},
    {"Al Karama", 25.2467, 55.3040, 0.006, kWasl, 1.0, kKaramaPlaces, kKaramaStreets},
    {"Palm Jumeirah", 25.1124, 55.1390, 0.010, kNakheel, 0.8, kPalmPlaces, kPalmStreets},
    {"Jumeirah Lake Towers", 25.0693, 55.1412, 0.006, kDmcc, 0.9, kJltPlaces, kJltStreets},
    {"Jumeirah Village Circle", 25.0590, 55.2090, 0.008, kNakheel, 0.7, kJvcPlaces, kJvcStreets},
    {"Dubai Internet City", 25.0955, 55.1610, 0.005, kDubaiHolding, 0.6, kInternetCityPlaces,
     kInternetCityStreets},
    {"Al Quoz", 25.1370, 55.2280, 0.010, kWasl, 0.5, kQuozPlaces, kQuozStreets},
    {"Mirdif", 25.2170, 55.4190, 0.010, kMajidAlFuttaim, 0.6, kMirdifPlaces, kMirdifStreets},
    {"Dubai Silicon Oasis", 25.1180, 55.3830, 0.008, kDubaiHolding, 0.5, kSiliconOasisPlaces,
     kSiliconOasisStreets},
    {"Al Satwa", 25.2236, 55.2770, 0.006, kRta, 0.6, kSatwaPlaces, kSatwaStreets},
    {"Oud Metha", 25.2360, 55.3130, 0.006, kWasl, 0.5, kOudMethaPlaces, kOudMethaStreets},
    {"Dubai Festival City", 25.2225, 55.3510, 0.008, kRta, 0.5, kFestivalCityPlaces,
     kFestivalCityStreets},
    {"Za'abeel", 25.2290, 55.2920, 0.006, kRta, 0.4, kZaabeelPlaces, kZaabeelStreets},
};

}  // namespace

std::span<const DubaiArea> DubaiAreas() {
  return kAreas;
}

std::span<const std::string_view> Operators() {
  return kOperators;
}

}  // namespace vdpark::generate
