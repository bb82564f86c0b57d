/**
 * Message bodies of the demo scenario. Every name is invented and obviously fake; the shapes are
 * checked by the gateway against the JSON Schemas like any officer's input.
 */
export const DEMO_BODIES = {
  "victimNotice": {
    "child": {
      "names": [
        {
          "lang": "lo",
          "script": "Laoo",
          "value": "ເດັກ ສາທິດ"
        },
        {
          "lang": "lo-Latn",
          "value": "Demochild Placeholder"
        }
      ],
      "sex": "female",
      "estimatedAge": {
        "years": 15,
        "basis": "dental",
        "assessedOn": "2026-02-22"
      },
      "claimedNationality": "LA",
      "ethnicGroup": "Exampleic (test)",
      "languages": [
        "hnj",
        "lo"
      ],
      "interpreterNeeded": true
    },
    "identifiedOn": "2026-02-20",
    "identifiedBy": "Anti-trafficking unit, Nong Khai (test)",
    "identityDocuments": [
      {
        "kind": "birth-certificate",
        "status": "none",
        "issuingCountry": "LA"
      },
      {
        "kind": "passport",
        "status": "altered",
        "number": "TEST0000001",
        "issuingCountry": "LA"
      }
    ],
    "exploitation": {
      "forms": [
        "labour",
        "domestic-servitude"
      ]
    },
    "currentPlacement": {
      "kind": "government-shelter",
      "facility": "Example Protection and Occupational Development Centre (test)",
      "location": "Nong Khai",
      "since": "2026-02-21"
    },
    "handover": {
      "plannedDate": "2026-03-16",
      "crossingPoint": {
        "code": "nong-khai-vientiane",
        "name": "First Thai-Lao Friendship Bridge"
      },
      "escort": {
        "agency": "Example shelter social work team (test)",
        "count": 2,
        "includesSocialWorker": true,
        "includesFemaleStaff": true
      },
      "receivingAgency": "Lao Women's Union counselling centre, Vientiane (test)"
    },
    "careNeeds": [
      {
        "area": "medical",
        "urgent": true,
        "note": "Follow-up of an untreated injury to the left hand."
      },
      {
        "area": "psychosocial",
        "urgent": false,
        "note": "Counselling in her first language."
      },
      {
        "area": "education",
        "note": "Wishes to return to school (grade 6)."
      }
    ],
    "childViews": {
      "consulted": true,
      "consultedOn": "2026-02-25",
      "language": "hnj",
      "wishesToReturn": "yes",
      "summary": "Wants to go home to her mother and go back to school; does not want to travel with the person who recruited her."
    },
    "bestInterestsAssessment": {
      "done": true,
      "date": "2026-02-27",
      "by": "Example shelter social work team (test)"
    }
  },
  "statusUpdate": {
    "status": "acknowledged",
    "effectiveAt": "2026-03-05T03:00:00.000Z",
    "note": "Family assessed; mother informed. Interpreter for Hmong arranged at the bridge."
  },
  "offenderAlert": {
    "subject": {
      "names": [
        {
          "lang": "en",
          "value": "Demosubject Invented"
        }
      ],
      "sex": "male",
      "dateOfBirth": "1970-01-01",
      "nationalities": [
        "ZZ"
      ],
      "passports": [
        {
          "number": "TEST00000",
          "issuingCountry": "ZZ",
          "expiresOn": "2030-12-31"
        }
      ]
    },
    "convictions": [
      {
        "offence": "Sexual abuse of a child (test record)",
        "country": "ZZ",
        "date": "2015-06-30"
      }
    ],
    "travel": {
      "departureFrom": {
        "country": "TH",
        "city": "Bangkok"
      },
      "destination": {
        "country": "LA",
        "city": "Vientiane"
      },
      "arrivalDate": "2026-03-10",
      "expectedDepartureDate": "2026-03-24",
      "carrier": "Example Air (test)",
      "flightNumber": "ZZ123",
      "portOfEntry": {
        "kind": "airport",
        "name": "Wattay International Airport",
        "iata": "VTE"
      }
    },
    "source": {
      "kind": "interpol-green-notice",
      "reference": "G-0000/1-2026-TEST",
      "issuedBy": "INTERPOL General Secretariat (test)"
    },
    "requestedAction": "consider-entry-refusal",
    "validUntil": "2026-03-31T00:00:00.000Z",
    "note": "Subject is known to seek contact with children through guesthouse staff."
  },
  "alertResponse": {
    "action": "entry-refused",
    "at": "2026-03-10T09:42:00.000Z",
    "unit": "Immigration police, Wattay International Airport (test)",
    "note": "Refused at the counter; returned on the next flight."
  }
} as const;
