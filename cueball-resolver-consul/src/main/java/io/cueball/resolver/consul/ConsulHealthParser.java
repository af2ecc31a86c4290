package io.cueball.resolver.consul;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.cueball.Backend;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Reads {@code /v1/health/service} answers: one backend per instance that is healthy enough, with its
 * address (the service's, else the node's), port, weight and metadata.
 */
final class ConsulHealthParser {
    private final boolean acceptWarning;

    ConsulHealthParser(boolean acceptWarning) {
        this.acceptWarning = acceptWarning;
    }

    List<Backend> parse(String json) throws IOException {
        JsonElement root;
        try {
            root = JsonParser.parseString(json == null ? "" : json);
        } catch (JsonParseException e) {
            throw new IOException("the Consul answer is not JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonArray()) {
            throw new IOException("the Consul answer is not a JSON array of service instances");
        }
        List<Backend> backends = new ArrayList<>();
        for (JsonElement e : root.getAsJsonArray()) {
            if (!e.isJsonObject()) {
                throw new IOException("the Consul answer holds something other than service instances: " + e);
            }
            Backend b = instance(e.getAsJsonObject());
            if (b != null) {
                backends.add(b);
            }
        }
        return backends;
    }

    private Backend instance(JsonObject entry) throws IOException {
        JsonObject service = object(entry, "Service");
        JsonObject node = object(entry, "Node");
        if (service == null) {
            throw new IOException("a Consul instance without a Service: " + entry);
        }
        String worst = "passing";
        JsonArray checks = entry.has("Checks") && entry.get("Checks").isJsonArray()
                ? entry.getAsJsonArray("Checks") : new JsonArray();
        for (JsonElement c : checks) {
            String status = string(c.getAsJsonObject(), "Status");
            if ("critical".equals(status) || ("warning".equals(status) && !"critical".equals(worst))) {
                worst = status;
            }
        }
        if ("critical".equals(worst) || ("warning".equals(worst) && !acceptWarning)) {
            return null;
        }
        String address = string(service, "Address");
        if (address == null || address.isEmpty()) {
            address = node == null ? null : string(node, "Address"); // empty Service.Address: the node's
        }
        int port = service.has("Port") ? service.get("Port").getAsInt() : 0;
        int weight = 1;
        JsonObject weights = object(service, "Weights");
        if (weights != null) {
            String key = "warning".equals(worst) ? "Warning" : "Passing";
            if (weights.has(key)) {
                weight = weights.get(key).getAsInt();
            }
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        put(metadata, "consul.id", string(service, "ID"));
        put(metadata, "consul.node", node == null ? null : string(node, "Node"));
        if (service.has("Tags") && service.get("Tags").isJsonArray()) {
            StringJoiner tags = new StringJoiner(",");
            service.getAsJsonArray("Tags").forEach(t -> tags.add(t.getAsString()));
            put(metadata, "consul.tags", tags.toString());
        }
        JsonObject meta = object(service, "Meta");
        if (meta != null) {
            meta.entrySet().forEach(m -> put(metadata, "meta." + m.getKey(),
                    m.getValue().isJsonNull() ? "" : m.getValue().getAsString()));
        }
        try {
            return new Backend(address == null ? "" : address, port, weight, 0, metadata);
        } catch (IllegalArgumentException e) {
            throw new IOException("a Consul instance with an unusable address: " + e.getMessage(), e);
        }
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
}
