package io.cueball.resolver.consul;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.cueball.Backend;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Reads {@code /v1/health/service} answers: one backend per instance that is healthy enough, with its
 * address (the service's, else the node's), port, weight and metadata.
 *
 * <p>The answer is judged as a whole only for its shape: text that is not a JSON array is an
 * {@link IOException}. Each instance in the array is then judged alone: one that cannot be read as a backend
 * (no {@code Service}, no address, a port outside 1..65535, a weight that is negative, fractional or beyond
 * the int range, a tag or check that is not what Consul sends...) is left out and described in
 * {@link Answer#malformed()}, and the others still count. Numbers are read exactly: a weight of 4294967296 is
 * malformed, never wrapped to 0 as {@code getAsInt()} would. {@code null} where Consul's Go encoder writes a
 * nil map or slice ({@code Tags}, {@code Meta}, {@code Weights}, {@code Checks}) means "none": a real agent
 * sends {@code "Meta": null} for an instance without metadata.
 */
final class ConsulHealthParser {
    /**
     * One answer, read.
     *
     * @param backends  the backends of the well-formed, healthy enough instances, in the answer's order
     * @param instances how many instances the answer listed, whatever their health or shape
     * @param malformed for each instance left out as unreadable, what was wrong, naming the instance and its node
     */
    record Answer(List<Backend> backends, int instances, List<String> malformed) {
    }

    /** Why one instance cannot be used; caught per instance, never escapes {@link #parse}. */
    private static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    private final boolean acceptWarning;

    ConsulHealthParser(boolean acceptWarning) {
        this.acceptWarning = acceptWarning;
    }

    Answer parse(String json) throws IOException {
        JsonElement root;
        try {
            root = JsonParser.parseString(json == null ? "" : json);
        } catch (JsonParseException e) {
            throw new IOException("the Consul answer is not JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonArray()) {
            throw new IOException("the Consul answer is not a JSON array of service instances");
        }
        JsonArray entries = root.getAsJsonArray();
        List<Backend> backends = new ArrayList<>();
        List<String> malformed = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            JsonElement e = entries.get(i);
            String who = "instance #" + (i + 1);
            try {
                if (!e.isJsonObject()) {
                    throw new Malformed("not a JSON object: " + abbreviate(e.toString()));
                }
                JsonObject entry = e.getAsJsonObject();
                who = name(entry, i);
                Backend b = instance(entry);
                if (b != null) {
                    backends.add(b);
                }
            } catch (Malformed m) {
                malformed.add(who + ": " + m.getMessage());
            }
        }
        return new Answer(List.copyOf(backends), entries.size(), List.copyOf(malformed));
    }

    /** "instance 'pg-1' on node 'db1'", or the position when the answer does not say. */
    private static String name(JsonObject entry, int i) {
        JsonObject service = object(entry, "Service");
        JsonObject node = object(entry, "Node");
        String id = service == null ? null : string(service, "ID");
        String nodeName = node == null ? null : string(node, "Node");
        return (id == null || id.isEmpty() ? "instance #" + (i + 1) : "instance '" + id + "'")
                + (nodeName == null || nodeName.isEmpty() ? "" : " on node '" + nodeName + "'");
    }

    /** The instance's backend, null if it is not healthy enough. */
    private Backend instance(JsonObject entry) throws Malformed {
        JsonObject service = object(entry, "Service");
        JsonObject node = object(entry, "Node");
        if (service == null) {
            throw new Malformed("no Service object");
        }
        String worst = worstCheck(entry);
        if ("critical".equals(worst) || ("warning".equals(worst) && !acceptWarning)) {
            return null;
        }
        String address = optionalString(service, "Address", "Service.Address");
        if (address == null || address.isEmpty()) { // no Service.Address: the node's
            address = node == null ? null : optionalString(node, "Address", "Node.Address");
        }
        if (address == null || address.isEmpty()) {
            throw new Malformed("no address (neither Service.Address nor Node.Address)");
        }
        int port = whole(service.get("Port"), "Port", 1, 65535);
        int weight = Backend.DEFAULT_WEIGHT;
        JsonObject weights = optionalObject(service, "Weights", "Service.Weights");
        if (weights != null) {
            String key = "warning".equals(worst) ? "Warning" : "Passing";
            if (weights.has(key)) {
                weight = whole(weights.get(key), "Weights." + key, 0, Integer.MAX_VALUE);
            }
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        put(metadata, "consul.id", string(service, "ID"));
        put(metadata, "consul.node", node == null ? null : string(node, "Node"));
        JsonElement tagList = service.get("Tags");
        if (tagList != null && !tagList.isJsonNull()) {
            if (!tagList.isJsonArray()) {
                throw new Malformed("Tags is " + abbreviate(tagList.toString()) + " (expected: an array of strings)");
            }
            StringJoiner tags = new StringJoiner(",");
            for (JsonElement t : tagList.getAsJsonArray()) {
                if (!t.isJsonPrimitive() || !t.getAsJsonPrimitive().isString()) {
                    throw new Malformed("Tags holds " + abbreviate(t.toString()) + " (expected: strings)");
                }
                tags.add(t.getAsString());
            }
            put(metadata, "consul.tags", tags.toString());
        }
        JsonObject meta = optionalObject(service, "Meta", "Service.Meta");
        if (meta != null) {
            for (Map.Entry<String, JsonElement> m : meta.entrySet()) {
                JsonElement v = m.getValue();
                if (!v.isJsonNull() && !v.isJsonPrimitive()) {
                    throw new Malformed("Meta." + m.getKey() + " is " + abbreviate(v.toString())
                            + " (expected: a string)");
                }
                put(metadata, "meta." + m.getKey(), v.isJsonNull() ? "" : v.getAsString());
            }
        }
        try {
            return new Backend(address, port, weight, 0, metadata);
        } catch (IllegalArgumentException e) {
            throw new Malformed(e.getMessage()); // an address no connection could use, say "db1:5432"
        }
    }

    /** The worst status among the instance's checks (its own and its node's): passing, warning or critical. */
    private static String worstCheck(JsonObject entry) throws Malformed {
        JsonElement list = entry.get("Checks");
        if (list == null || list.isJsonNull()) {
            return "passing";
        }
        if (!list.isJsonArray()) {
            throw new Malformed("Checks is " + abbreviate(list.toString()) + " (expected: an array of checks)");
        }
        String worst = "passing";
        for (JsonElement c : list.getAsJsonArray()) {
            // A check we cannot read might be the critical one: better left out than reported healthy.
            if (!c.isJsonObject()) {
                throw new Malformed("Checks holds " + abbreviate(c.toString()) + " (expected: check objects)");
            }
            String status = optionalString(c.getAsJsonObject(), "Status", "a check's Status");
            if (status == null) {
                throw new Malformed("a check without a Status: " + abbreviate(c.toString()));
            }
            if ("critical".equals(status) || ("warning".equals(status) && !"critical".equals(worst))) {
                worst = status;
            }
        }
        return worst;
    }

    /** A JSON number that is a whole number within [min, max], read exactly (no wrapping, no rounding). */
    private static int whole(JsonElement e, String name, int min, int max) throws Malformed {
        String expected = " (expected: a whole number " + min + ".." + max + ")";
        if (e == null) {
            throw new Malformed("no " + name + expected);
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new Malformed(name + " " + abbreviate(e.toString()) + expected);
        }
        BigDecimal value;
        try {
            value = e.getAsBigDecimal();
        } catch (NumberFormatException x) {
            throw new Malformed(name + " " + abbreviate(e.toString()) + expected);
        }
        // Range first: compareTo looks at the exponents before the digits, so 1e999999999 costs nothing.
        if (value.compareTo(BigDecimal.valueOf(min)) < 0 || value.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw new Malformed(name + " " + abbreviate(e.toString()) + expected);
        }
        try {
            return value.intValueExact();
        } catch (ArithmeticException fraction) {
            throw new Malformed(name + " " + abbreviate(e.toString()) + expected);
        }
    }

    /** A string member; absent or null is null; anything else (a number, an object) is malformed. */
    private static String optionalString(JsonObject o, String member, String name) throws Malformed {
        JsonElement e = o.get(member);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new Malformed(name + " is " + abbreviate(e.toString()) + " (expected: a string)");
        }
        return e.getAsString();
    }

    /** An object member; absent or null is null; anything else is malformed. */
    private static JsonObject optionalObject(JsonObject o, String member, String name) throws Malformed {
        JsonElement e = o.get(member);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonObject()) {
            throw new Malformed(name + " is " + abbreviate(e.toString()) + " (expected: an object)");
        }
        return e.getAsJsonObject();
    }

    private static JsonObject object(JsonObject o, String name) {
        return o.has(name) && o.get(name).isJsonObject() ? o.getAsJsonObject(name) : null;
    }

    private static String string(JsonObject o, String name) {
        return o.has(name) && o.get(name).isJsonPrimitive() ? o.get(name).getAsString() : null;
    }

    private static void put(Map<String, String> m, String key, String value) {
        if (value != null && !value.isEmpty()) {
            m.put(key, value);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
